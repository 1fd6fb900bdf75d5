"""What SupportDesk itself saw of a device over time, and watching a device while it changes.

The vendor answers only "now". Each fresh good devInfo answer leaves a compact snapshot
(`recording`); the device page shows what changed since the previous one (`changes`) and a
30-day strip chart drawn on the server (`chart`); "Watch this device" polls it for a while as
follow-ups of the page's lookup (`watching`). README, "History and watch", has the design.
"""
