"""Fixed texts the bot says, apart from logic.  Plain, warm and short.

Placeholders are filled with ``str.format`` after the values are HTML-escaped."""

NOT_JOINED = (
    "Hello! I'm the check-in bot for co-production projects. To join, please use the invite link your project sent you."
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
    "If you change your mind, your invite link still works: just tap it again."
)
CONSENT_TYPED_UNCLEAR = "Sorry, I need a yes or a no before we start. You can tap a button, or type yes or no."
INVITE_USED_UP_BEFORE_CONSENT = (
    "I'm sorry: that invite was used by someone else while you were deciding, so I can't add you with it. "
    "I haven't kept anything about you. Please ask the person who sent it for a new one."
)
ALREADY_A_PARTNER = (
    "You're already part of {project_name}, so there's nothing more to do. Send /help to see what I can do."
)
NO_CHECKIN_NOW = "Thanks for your message. There's no check-in open right now. Send /help to see what I can do."
ALREADY_DONE = "That's already been sorted. Thank you!"
STAFF_WELCOME = "Hello {first_name}. You're set up as {role} for: {projects}. I'll send you alerts here."
HELP = (
    "I check in with you now and then about how the project is going for you: "
    "payment, expenses, support, and whether your ideas make a difference.\n\n"
    "In a check-in you can tap a button or type your answer. You can also type:\n"
    "• skip — to skip a question that allows it\n"
    "• back — to go back to the question before\n"
    "• pause — to pause this check-in (type carry on to go on)\n"
    "• help — to see this message\n\n"
    "To reach a person, just write to me when no check-in is open, or send /team: "
    "your message goes to your project's team, and their reply comes here.\n\n"
    "Commands:\n"
    "/help — this message\n"
    "/team — write to your project's team\n"
    "/cancel — stop whatever I'm waiting for\n"
    "/pause — no check-ins until you send /resume\n"
    "/resume — start check-ins again\n"
    "/away and the day you're back, like /away next friday — no check-ins until then\n"
    "/snooze — not now: ask me again later\n"
    "/settings — when I message you, your time zone, language and what helps you\n"
    "/language — the language I use\n"
    "/mydata — see everything I keep about you, with a file of all of it\n"
    "/forget — leave, and I delete what I keep about you"
)
STAFF_HELP = (
    "For staff:\n"
    "/flags — open needs in your projects\n"
    "/digest — a summary now\n"
    "/partners — your projects' partners and when they last answered\n"
    "/cancel — stop whatever I'm waiting for from you (nothing is sent)\n"
    "Anything I ask you for that a partner will read is shown back to you first, with Send."
)
COORDINATOR_HELP = (
    "For coordinators:\n"
    "/invite — a new invite link (add facilitator for a staff link)\n"
    "/projects — your projects at a glance\n"
    "/reload — load changed question flows"
)
PAUSED = (
    "Paused. I won't send any check-ins until you send /resume. There's nothing you need to do. Take care of yourself."
)
RESUMED = "Welcome back, {first_name}. Check-ins are on again. Thank you for being here."
AWAY = "Thanks for letting me know. I'll be back in touch on {date}, and send no check-ins before then. Take care."
AWAY_EXAMPLE = "Please tell me the day you're back, like this: /away next friday, /away 25/12 or /away in two weeks"
AWAY_NOT_AHEAD = (
    "I read that as {date}, which isn't after today. Please tell me the day you're back, like /away next friday"
)
SNOOZED_TODAY = "Of course. I'll ask again later today, at {time}."
SNOOZED_TOMORROW = "Of course. I'll ask again tomorrow at {time}."
SNOOZE_PART_WAY = (
    "Your answers so far are saved. Carry on whenever you're ready, or type pause to leave this check-in for now."
)
NOTHING_TO_SNOOZE = "There's no check-in waiting right now, so nothing to snooze. Enjoy your day."
REMINDER = (
    "Just a gentle reminder: this check-in is still here whenever you're ready. "
    "No rush, and you can type pause to leave it."
)
IN_CASE_LOST = "In case my last message didn't reach you, here it is again."
FACILITATOR_SLOWED = (
    "{first_name} hasn't answered their last two check-ins for {project_name}. "
    "I'll check in with them half as often until they reply. They may simply be busy; "
    "you might like to say hello."
)
SOMETHING_WENT_WRONG = (
    "Sorry, something went wrong on my side. Your answers so far are safe. Please try again in a moment."
)
RELOAD_NOT_ALLOWED = "Sorry, that's not something I can do for you. Send /help to see what I can do."
RELOADED = "Flows reloaded. New check-ins use these versions; check-ins already started finish on theirs."
RELOAD_REFUSED = (
    "I haven't changed anything: check-ins keep using the flows from before. "
    "Please fix these problems and send /reload again."
)
NOT_ALLOWED = RELOAD_NOT_ALLOWED
CONSENT_AGAIN = (
    "I've changed how I look after what you tell me. Please read it below. Check-ins wait until you say it's OK."
)
CONSENT_AGAIN_DECLINED = (
    "That's fine. Check-ins are paused, and I won't keep anything new. "
    "If you change your mind, send /resume and I'll show you the new text again. "
    "Send /forget if you'd like me to delete what I have."
)
RESUME_NEEDS_CONSENT = "Welcome back, {first_name}. Before check-ins start again, please read the new text below."
MYDATA_FILE_CAPTION = "Everything I keep about you, in one file."
FORGET_CONFIRM = (
    "Do you want to leave? I'll delete your name, your settings and your answers, "
    "and tell the team that a partner has left, without saying who or why. "
    "Anonymous answers stay, because nothing links them to you. This can't be undone."
)
FORGET_YES_BUTTON = "Yes, delete it all"
FORGET_NO_BUTTON = "No, keep me in"
FORGOTTEN = (
    "Done. I've deleted what I kept about you. Thank you for everything you gave. "
    "If you ever want to come back, a new invite link starts afresh."
)
FORGET_KEPT = "Good. Nothing has changed. I'm glad you're staying."
PARTNER_LEFT = (
    "A partner has left {project_name} and asked me to delete their data. Any open needs they had are now closed."
)
FLOODED = (
    "You've sent me a lot of messages very quickly, so I'm taking a one-minute break. "
    "Anything you send in that minute I won't see, so please send it again after."
)
INVITE_WHICH_PROJECT = "Which project is the invite for?"
INVITE_LINK = "Here's an invite link for {project_name} ({role}). It works once and expires on {expires}:\n{link}"
NO_PARTNERS = "There are no partners in your projects yet."
SETTINGS_MENU = "Your settings. Tap one to change it:\n\n{summary}"
SETTINGS_PICK = "{question}\nTap an option. For several choices, tap each, then Done."
SETTINGS_SAVED = "Saved. Thank you.\n\n{summary}"
SETTINGS_TIMEZONE = (
    "To change your time zone, send /settings timezone and your town or city, for example: /settings timezone London"
)
SETTINGS_TIMEZONE_UNKNOWN = (
    "Sorry, I don't know that place. Try a bigger town near you, or your country, like: /settings timezone Cardiff"
)
TIMEZONE_UNDERSTOOD = "Got it: {place}."
TIMEZONE_SAVED = "Got it: {place}. Saved, thank you.\n\n{summary}"
TIMEZONE_WHICH = "{place} has more than one time zone. Which city is nearest to you?"
TIMEZONE_WHICH_CLOCK = "{place} is the time in more than one place. Which is yours?"
TIMEZONE_UNKNOWN_IN_FLOW = (
    "I don't know that place, so I'll keep to the project's time for now. "
    "You can change it any time: send /settings timezone and a town near you."
)
SETTINGS_DONE_BUTTON = "Done"
SETTINGS_BACK_BUTTON = "Back"
#: the last line of the /settings menu, from the check-in really on the calendar (bot/core/schedules.py)
NEXT_CHECKIN = "Your next check-in: {when}"
NEXT_CHECKIN_NONE = "There's no check-in planned for you at the moment."
NEXT_CHECKIN_PAUSED = "Check-ins are paused. Send /resume when you'd like them again."

# -- flags, digests and closing the loop (bot/staff/flags.py, bot/staff/ideas.py) --
FLAG_NOT_YOURS = "Sorry, only the facilitators of that project can change this. Nothing has been changed."
FLAG_GONE = "That one has been dealt with already. Thank you."
FLAG_ACKNOWLEDGED = "Thanks. #{flag_id} is acknowledged: I've told the others you've got it."
FLAG_TAKEN_BY_OTHER = "{actor} has picked up #{flag_id} ({need}) and acknowledged it."
FLAG_RESOLVED_BY_OTHER = "{actor} has resolved #{flag_id} ({need})."
FLAG_CLOSED_BY_OTHER = "{actor} has closed #{flag_id} ({need}) as something we can't do."
ASK_RESOLVE_NOTE = (
    "What should I tell {first_name} about #{flag_id}? A sentence or two in plain words, "
    "as you'd say it to them. You'll see it before it's sent. (Type cancel to stop.)"
)
ASK_WONT_FIX_REASON = (
    "Why can't this be done? A sentence in plain words: {first_name} will see it, "
    "so they know they were heard. (Type cancel to stop.)"
)
PROMPT_CANCELLED = "OK, I've stopped. Nothing was sent and nothing changed."
FLAG_RESOLVED = "Done. #{flag_id} is resolved and I've passed your note to {first_name}."
FLAG_WONT_FIX = "Done. #{flag_id} is closed, and I've told {first_name} why."
YOU_SAID_WE_DID = (
    "You told us about something you needed ({need}). Here's what {project_name} has done:\n\n{note}\n\n"
    "Thank you for speaking up. It makes a difference."
)
WE_CANNOT = (
    "You told us about something you needed ({need}). I'm sorry: {project_name} can't do this right now. "
    "Here's why:\n\n{note}\n\nThank you for telling us. You can always raise it again."
)
FOLLOW_UP_QUESTION = (
    "Before we start: you told us about something you needed ({need}), and the team said it's been sorted. "
    "Is it sorted for you now?"
)
FOLLOW_UP_YES = "Yes, it's sorted"
FOLLOW_UP_NO = "No, not yet"
FOLLOW_UP_MET = "That's good to hear. Thank you for letting us know."
FOLLOW_UP_NOT_MET = "I'm sorry it's still not right. I've told the team again, and someone will get back to you."
ESCALATED_HEADER = "These needs have waited longer than they should for someone to pick them up:"
IDEA_ASK = "I'd love to hear it. Type your idea or suggestion in your next message."
IDEA_THANKS = "Thank you, {first_name}. I've passed your idea to the team, and I'll let you know what comes of it."
IDEA_NOT_A_PARTNER = "Ideas come from partners of a project. If you're a partner, please use your invite link first."
ASK_IDEA_NOTE = (
    "What happened with idea #{idea_id}? A sentence in plain words: {first_name} will see it. (Type cancel to stop.)"
)
IDEA_RECORDED = "Thank you. I'll tell {first_name} in their monthly summary."
IDEA_SUMMARY_HEADER = "Here's what came of your ideas this month, {first_name}:"

NO_OPEN_FLAGS = "No open needs in your projects right now."

# safety (bot/partners/safety.py); the signposting text itself is configured ([safety] signposting)
#: added to the signposting when a check-in is open: it waits, nothing is asked again coldly
SAFETY_CHECKIN_CAN_WAIT = {
    "en": "The check-in can wait. Carry on with it whenever you like, or just leave it.",
    "cy": "Gall y cwestiynau aros. Ewch ymlaen pryd bynnag y mynnwch chi, neu gadewch nhw.",
}
#: how a distress message is labelled in the facilitators' alert
SAFETY_EVIDENCE_QUESTION = "Message to the bot"

# staff prompts: nothing reaches a partner without a preview and a Send tap (bot/staff/prompts.py)
PROMPT_PREVIEW = "This will be sent to {first_name} about {subject}:\n\n{note}\n\nSend it?"
PROMPT_SEND_BUTTON = "Send"
PROMPT_EDIT_BUTTON = "Edit"
PROMPT_CANCEL_BUTTON = "Cancel"
PROMPT_TYPE_AGAIN = "OK. Type the new version for {first_name} about {subject}. Nothing has been sent."
PROMPT_NOT_WAITING = "That one is no longer waiting, so nothing was sent."
PROMPT_ENDED_BY_COMMAND = "I've stopped waiting for your words for {first_name} about {subject}: nothing was sent."
PROMPT_EXPIRED = (
    "I waited 30 minutes for your words for {first_name} about {subject}, so I've stopped: "
    "nothing was sent. Press the button again when you're ready."
)
PROMPT_REPLACED = "I've stopped waiting for your words on the earlier one: nothing was sent for it."
STAFF_NOTHING_WAITING = (
    "I'm not waiting for anything from you just now, so I haven't passed that on to anyone. "
    "/flags shows open needs, /partners your partners, /help everything else."
)
NOTHING_TO_CANCEL = "There's nothing waiting to cancel. You're all set."

# messages to the team (bot/partners/team.py, bot/staff/team.py)
TEAM_ASK = "What would you like to tell the team? Just type it, and I'll pass it on. (Type cancel to stop.)"
TEAM_SENT = "Thank you, {first_name}. I've passed this to the {project_name} team. Their reply will come here."
TEAM_WHICH_PROJECT = "Which team is this for?"
TEAM_NOT_A_PARTNER = "To write to a team, please join with the invite link you were sent first."
TEAM_THREAD_HEADER = "Your messages with the {project_name} team so far:"
TEAM_TO_STAFF = "✉️ {first_name} ({project_name}) wrote to the team:"
TEAM_REPLY_BUTTON = "Reply"
TEAM_ACK_BUTTON = "Acknowledge"
TEAM_ASK_REPLY = "Type your reply to {first_name}. You'll see it before it's sent. (Type cancel to stop.)"
TEAM_REPLY_TO_PARTNER = "{author} from the {project_name} team replied:\n\n{reply}"
TEAM_REPLY_SENT = "Sent to {first_name}."
TEAM_ACKNOWLEDGED = "Thanks. The others know you've got {first_name}'s message."
TEAM_TAKEN_BY_OTHER = "{actor} has picked up {first_name}'s message."
TEAM_REPLIED_BY_OTHER = "{actor} replied to {first_name}."
TEAM_PARTNER_LEFT = "{first_name} is no longer with the project, so I couldn't send that. Nothing was sent."

# commands people try
STOP_EXPLAINED = (
    "There are two ways to stop:\n"
    "• /pause — no check-ins until you send /resume. Nothing is deleted.\n"
    "• /forget — leave the project, and I delete what I keep about you.\n"
    "Either is fine, and you can always write to the team first."
)
UNKNOWN_COMMAND = (
    "I don't know {command}, sorry. Send /help to see what I can do, or just write to me in your own words."
)

# edits (bot/front_door.receive_edit)
EDIT_ANSWER_CHANGED = "I've changed your answer to: {answer}"
EDIT_TOO_LATE = (
    "I saw your edit. That answer can't be changed now, so it stays as it was. "
    "If something's different, just tell me here and I'll pass it to the team."
)
EDIT_TOO_LATE_TEAM_TOLD = (
    "I saw your edit. That check-in has finished, so the answer itself can't change, "
    "but I've passed your correction to the team."
)
EDIT_NOT_AN_ANSWER = (
    "I saw your edit. That message wasn't an answer to a question, so nothing has changed. "
    "If something's different, just tell me."
)

# partners without buttons ("no buttons", bot/core/outgoing.py): what to type instead of a tap
TYPE_THE_NUMBER = "Type the number of your answer."
TYPE_A_NUMBER_FROM = "Type a number from {first} to {last}."
TYPE_OR_WORD = "Or type {words}."
FORGET_CONFIRM_TYPED = (
    "Do you want to leave? I'll delete your name, your settings and your answers, "
    "and tell the team that a partner has left, without saying who or why. "
    "Anonymous answers stay, because nothing links them to you. This can't be undone.\n\n"
    "To delete everything, type delete.\nAnything else keeps you in."
)
#: the word that confirms FORGET_CONFIRM_TYPED: a whole word, never a number typed for something else
FORGET_TYPED_YES = "delete"

# "plain words" (the ``plain`` access need): shorter versions of the longer fixed texts
HELP_PLAIN = (
    "I ask you short questions now and then. You can tap or type your answer.\n\n"
    "In a check-in, you can type:\n"
    "skip: no answer\n"
    "back: the last question again\n"
    "pause: stop for now\n\n"
    "To talk to a person, just write to me.\n\n"
    "/team: write to the team\n"
    "/pause: no check-ins for now\n"
    "/resume: check-ins again\n"
    "/away: no check-ins until a day\n"
    "/snooze: ask me later\n"
    "/settings: when and how I write\n"
    "/mydata: what I keep\n"
    "/forget: leave, and I delete it all\n"
    "/help: this message"
)
CONSENT_ACCEPTED_PLAIN = "Thank you, {first_name}. You're in. Answer when you like. Send /help to see more."
REMINDER_PLAIN = "Your check-in is still here. No rush. Type pause to stop it."
SETTINGS_MENU_PLAIN = "Your settings. Pick one to change:\n\n{summary}"
SETTINGS_PICK_PLAIN = "{question}\nPick one. For more than one, pick each, then Done."
SETTINGS_TIMEZONE_PLAIN = "Send /settings timezone and your town. For example: /settings timezone London"
PAUSED_PLAIN = "Paused. No check-ins until you send /resume. Take care."
FORGET_CONFIRM_PLAIN = (
    "Do you want to leave? I will delete your name, settings and answers. "
    "I tell the team someone left, not who. This can't be undone."
)
FORGET_CONFIRM_TYPED_PLAIN = (
    "Do you want to leave? I will delete your name, settings and answers. "
    "I tell the team someone left, not who. This can't be undone.\n\n"
    "To delete everything, type delete.\nAnything else keeps you in."
)
FOLLOW_UP_QUESTION_PLAIN = "You needed help with {need}. The team says it's sorted. Is it sorted for you?"
YOU_SAID_WE_DID_PLAIN = "You needed help with {need}. {project_name} did this:\n\n{note}\n\nThank you for telling us."
WE_CANNOT_PLAIN = "You needed help with {need}. {project_name} can't do it now. This is why:\n\n{note}"
#: each longer fixed text and its plain-words version
PLAIN_WORDS = {
    HELP: HELP_PLAIN,
    CONSENT_ACCEPTED: CONSENT_ACCEPTED_PLAIN,
    REMINDER: REMINDER_PLAIN,
    SETTINGS_MENU: SETTINGS_MENU_PLAIN,
    SETTINGS_PICK: SETTINGS_PICK_PLAIN,
    SETTINGS_TIMEZONE: SETTINGS_TIMEZONE_PLAIN,
    PAUSED: PAUSED_PLAIN,
    FORGET_CONFIRM: FORGET_CONFIRM_PLAIN,
    FORGET_CONFIRM_TYPED: FORGET_CONFIRM_TYPED_PLAIN,
    FOLLOW_UP_QUESTION: FOLLOW_UP_QUESTION_PLAIN,
    YOU_SAID_WE_DID: YOU_SAID_WE_DID_PLAIN,
    WE_CANNOT: WE_CANNOT_PLAIN,
}
