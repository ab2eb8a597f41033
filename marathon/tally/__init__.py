"""Running totals kept beside the letters, so that reading a total never scans the letters."""
