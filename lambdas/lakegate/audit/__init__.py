"""Audit evidence: who read the data (access), what Lake Formation holds against the ledger (drift),
and who asked and who decided (decision trail). Plain functions over ledger records and AWS answers,
so the CLI and a scheduled function can run them alike."""
