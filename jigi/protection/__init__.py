"""Protection: confidential case management for survivors of gender-based violence (GBV) in
One Stop Centers and partner providers.

Invariants: a case is opened only by its assigned case worker and the GBV supervisors of its
site (`selectors.get_case_for`); anyone else, administrators included, is told it does not
exist, and every opening is audit-logged with the fields read. The survivor is known by a code;
name, contact and narratives are optional and stored only encrypted (AES-GCM, `crypto`).
Consent is a ledger per purpose: a referral needs the consent for its service type (or a
supervisor's logged override), and a withdrawal revokes open referrals and takes the incidents
out of the statistics at once. Incident types come from the versioned GBVIMS classifier
(`classifier`), never typed by hand. Other apps import only `statistics` (suppressed counts);
protection writes outside itself only through programmes' reasonless priority referral.
"""
