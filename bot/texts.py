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
    "/help — this message\n"
    "/pause — no check-ins until you send /resume\n"
    "/resume — start check-ins again\n"
    "/away and the day you're back (year-month-day) — no check-ins until then\n"
    "/snooze — not now: ask me again later"
)
PAUSED = (
    "Paused. I won't send any check-ins until you send /resume. "
    "There's nothing you need to do. Take care of yourself."
)
RESUMED = "Welcome back, {first_name}. Check-ins are on again. Thank you for being here."
AWAY = "Thanks for letting me know. I won't send any check-ins until {date}. Take care while you're away."
AWAY_EXAMPLE = "Please tell me the day you're back, like this: /away {example}"
SNOOZED_TODAY = "Of course. I'll ask again later today, at {time}."
SNOOZED_TOMORROW = "Of course. I'll ask again tomorrow at {time}."
SNOOZE_PART_WAY = "Your answers so far are saved. Carry on whenever you're ready, or type pause to leave this check-in for now."
NOTHING_TO_SNOOZE = "There's no check-in waiting right now, so nothing to snooze. Enjoy your day."
REMINDER = "Just a gentle reminder: this check-in is still here whenever you're ready. No rush, and you can type pause to leave it."
FACILITATOR_SLOWED = (
    "{first_name} hasn't answered their last two check-ins for {project_name}. "
    "I'll check in with them half as often until they reply. They may simply be busy; "
    "you might like to say hello."
)
SOMETHING_WENT_WRONG = "Sorry, something went wrong on my side. Your answers so far are safe. Please try again in a moment."
RELOAD_NOT_ALLOWED = "Sorry, that's not something I can do for you. Send /help to see what I can do."
RELOADED = "Flows reloaded. New check-ins use these versions; check-ins already started finish on theirs."
RELOAD_REFUSED = (
    "I haven't changed anything: check-ins keep using the flows from before. "
    "Please fix these problems and send /reload again."
)
