"""Section admins' tools on the case catalogue: upload or replace a case's photo."""
