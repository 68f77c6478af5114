"""The machinery between the bot and Telegram: the outbox (the one sender), the
Bot API request, group commit, the webhook inbox, per-chat update order and log
redaction.  Delivery knows nothing of features: it imports only core and storage."""
