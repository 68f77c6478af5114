"""What partners do with the bot: join and consent, check-ins, reminders, their
controls and settings, access needs, ideas, safety, their data and leaving."""
