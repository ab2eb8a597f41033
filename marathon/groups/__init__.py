"""Local groups of the section: who writes together (users and events belong to one)."""
