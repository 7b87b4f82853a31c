"""Fault response: the doctor that names what broke in plain words, with the fix."""
