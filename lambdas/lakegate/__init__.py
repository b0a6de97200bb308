"""lakegate's function code: plain, typed modules the Lambda handlers call into."""
