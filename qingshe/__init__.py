"""Qingshe (青社): the platform of the university–community youth practice programme."""
