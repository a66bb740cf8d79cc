"""``frontdesk`` — the command line (SPEC section 7).

``frontdesk migrate|createorg|createuser|token|serve|worker|demo|up|import|export|reencrypt``
and any other Django management command (``frontdesk check``, ``frontdesk shell``). Reads
DATABASE_URL and FRONTDESK_DATA_DIR like the web and worker processes do.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    if len(argv) < 2:
        argv.append("help")
    execute_from_command_line(["frontdesk", *argv[1:]])


if __name__ == "__main__":
    main()
