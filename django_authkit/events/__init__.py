"""What WorkOS events do to Django: event handlers, sync, the post-refresh mirror, audit logs."""
