"""The ground floor: the clock, YAML with line numbers and the exception root. Imports nothing of ours."""
