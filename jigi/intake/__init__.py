"""Every way data enters the register: today the synthetic Malian register generator
(`jigi synth`); bulk import of CSV, XLSX and Kobo files and the XLSForm follow (issue 4).

Invariant: the generator is deterministic for a seed, and its ground-truth file says exactly
which records are the same person.
"""
