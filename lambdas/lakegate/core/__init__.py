"""The small core every feature uses: errors, settings, observability, people, assumed roles, the manifest."""
