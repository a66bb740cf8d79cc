"""The customer import's helper process: cleans the file's rows while the job writes
(``imports._ProcessCleaner`` starts it). Reads the pickled job and file on stdin, writes
pickled batches on stdout; touches no database."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
    import django

    django.setup()
    from frontdesk.customers.imports import clean_in_process

    clean_in_process(sys.stdin.buffer, sys.stdout.buffer)


if __name__ == "__main__":
    main()
