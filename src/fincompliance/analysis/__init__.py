"""The analyser: facts about components that their files do not hold (known
vulnerabilities, registry history, maintenance and closure signals)."""
