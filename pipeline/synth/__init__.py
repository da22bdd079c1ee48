"""Generator of realistic sample letters (``sample_letters/``) and their truth.

The letters are data (``letters/*.yaml``, one file per case); the package lays
them out (``layout``, ``tables``), renders them as text PDFs (``render_pdf``)
or page images (``render_image``, ``marks``), makes the images look scanned
or photographed (``degrade``) and writes the truth (``truth``) after checking
it against the reference rules (``policycheck``) and the PDFs' text
(``check``). Run it as ``python -m pipeline.synth --out sample_letters``.

``--profile hard`` renders the same letters as hard scans for the OCR
benchmark (``hard`` picks each letter's treatment, ``scanfx`` adds photocopy,
speckle, curl and shadow effects); see ``bench/ocr_set/README.md``.
"""
