"""Mail: composing invitations, sending them by SMTP, and the built-in outbox."""
