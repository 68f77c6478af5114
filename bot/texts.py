"""Fixed texts the bot says, apart from logic.  Plain, warm and short.

Placeholders are filled with ``str.format`` after the values are HTML-escaped."""

NOT_JOINED = (
    "Hello! I'm the check-in bot for co-production projects. "
    "To join, please use the invite link your project sent you."
)
INVITE_NOT_VALID = (
    "Sorry, that invite link doesn't work any more. It may have been used already or expired. "
    "Please ask the person who sent it for a new one."
)
CONSENT_ACCEPT_BUTTON = "Yes, that's OK"
CONSENT_DECLINE_BUTTON = "No thanks"
CONSENT_ACCEPTED = (
    "Thank you, {first_name}. You're in. I'll check in with you now and then; "
    "you can always answer in your own time. Send /help to see what I can do."
)
CONSENT_DECLINED = (
    "That's completely fine. I haven't kept anything about you. "
    "If you change your mind, just use your invite link again."
)
NO_CHECKIN_NOW = "Thanks for your message. There's no check-in open right now. Send /help to see what I can do."
STALE_BUTTON = "That question has already been answered. Here's where we are:"
ALREADY_DONE = "That's already been sorted. Thank you!"
STAFF_WELCOME = "Hello {first_name}. You're set up as {role} for: {projects}. I'll send you alerts here."
HELP = (
    "I check in with you now and then about how the project is going for you: "
    "payment, expenses, support, and whether your ideas make a difference.\n\n"
    "In a check-in you can tap a button or type your answer. You can also type:\n"
    "• skip — to skip a question that allows it\n"
    "• pause — to stop this check-in for now\n"
    "• help — to see this message\n\n"
    "Commands:\n"
    "/help — this message"
)
SOMETHING_WENT_WRONG = "Sorry, something went wrong on my side. Your answers so far are safe. Please try again in a moment."
