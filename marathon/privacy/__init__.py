"""The privacy page: what Marathon keeps about volunteers and coordinators, why, how long."""
