"""What facilitators and coordinators do: flags, alerts and digests, ideas'
outcomes, views, invites, reloading flows, and the command line's reports."""
