"""Lambda entry points: each reads its settings once, creates its clients once, and hands the event on."""
