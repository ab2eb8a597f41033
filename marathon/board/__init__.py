"""The live board an event shows on a projector: its figures, its latest letters, its QR code.

It reads events, letters and the tally, so it sits above all three.
"""
