"""``livingreview refresh-trials``: registry columns of the trials table from ClinicalTrials.gov.

``client`` fetches a record, ``records`` reads it in the review's vocabulary, ``refresh``
plans, applies and reports the changes.
"""
