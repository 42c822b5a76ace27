"""Ballot receipts (issue 11, DESIGN §4 "Votes").

Every budget ballot and proposal vote carries a receipt code: the first 80 bits of
SHA-256(canonical ballot ‖ random 32-byte nonce), printed as `XXXX-XXXX-XXXX-XXXX`
(`civic.audit.verifier.receipt_code`). The voter sees it after casting and on the ballot
page; after the close the ballots are published by code, so the voter can find theirs in
the list a recount uses. The nonce is thrown away: the code is what is published, and
nothing stored links it to the voter beyond the ballot row itself (which holds an HMAC
voter key, never an account). A changed ballot gets a new code and the old one is kept,
alone, in a list of replaced codes.

- `codes`: making, retiring and listing codes, and the participation count from the log;
- `lookup`: what a code says (counted, replaced, not yet published, unknown);
- `views`: `/receipts`, `/receipts/<code>.json` and the downloadable receipt.
"""
