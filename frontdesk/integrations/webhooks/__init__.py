"""Outgoing webhooks (SPEC 4.12, docs/webhooks.md): endpoints subscribe to outbox events;
each matching event becomes a signed delivery, sent from the job queue with retries."""
