"""The published BrainBench data (Luo et al. 2024): its names, its parsers and its importers.

One module per file of the data, readers apart from writers:

    names.py        the bank, the study and the file names (the bank's name comes from
                    items.bank_names, where the Item and Study models take their default)
    files.py        finding and reading the data folder; PublishedDataError
    dois.py         DOI normalisation and abstract_id_doi.csv
    trial_rows.py   participant_data.csv, validated
    score_rows.py   published_model_scores.csv, validated
    prompts.py      prompt_templates/: the prompt each published model was scored with
    services/       items.py, trials.py, scores.py: the importers, each returning a report
    management/commands/  import_brainbench, import_published_trials, import_published_scores

published_models.csv (MODELS_FILE) is not read yet: its reader belongs beside score_rows.py and
its writer in services/. This package's __init__ stays free of imports so that reading ``names``
loads nothing else.
"""
