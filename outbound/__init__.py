"""One posting engine for answers, private replies and broadcast deliveries (DESIGN.md: outbound/).

It knows how to post a text once on an account (the posting record, post_once, the task, the sweeper,
the rules for every connector error); never what is being posted or why: the apps above it keep that.
"""
