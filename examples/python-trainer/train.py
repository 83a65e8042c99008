"""Fits a penguin species classifier with scikit-learn: the `train` step of mlops.config.ts.

mlops runs this file as an external command and hands everything over in environment variables:

  MLOPS_INPUT_PENGUINS  path of the CSV (the step's `penguins` input)
  MLOPS_PARAMS          path of params.json: {"model": "random_forest", "nEstimators": 100, ...}
  MLOPS_MODEL_PATH      where the fitted model goes (a joblib file)
  MLOPS_METRICS_PATH    where the metrics go (one flat JSON object of numbers)

Whatever it prints goes to the run's log; a non-zero exit fails the step with the last lines of stderr.
Run by hand:  MLOPS_INPUT_PENGUINS=data/penguins.csv MLOPS_PARAMS=params.json ... python3 train.py
"""
import json
import os
import sys

try:
    import joblib
    import pandas as pd
    import sklearn
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
except ImportError as error:
    sys.exit(
        f"train.py needs pandas and scikit-learn ({error}) in {sys.executable}. On Debian or Ubuntu: "
        "sudo apt-get install python3-sklearn python3-pandas; or set MLOPS_PYTHON to a Python that has them."
    )

NUMERIC = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
CATEGORICAL = ["island", "sex"]
FEATURES = NUMERIC + CATEGORICAL


def build_classifier(params):
    if params["model"] == "random_forest":
        return RandomForestClassifier(n_estimators=params["nEstimators"], max_depth=params["maxDepth"], random_state=params["seed"])
    return LogisticRegression(C=params["c"], max_iter=1000)


def main():
    with open(os.environ["MLOPS_PARAMS"]) as f:
        params = json.load(f)
    data = pd.read_csv(os.environ["MLOPS_INPUT_PENGUINS"])
    rows_in = len(data)
    # Eleven rows are incomplete: two without measurements, eight without sex, one with sex ".".
    data = data.dropna(subset=FEATURES + ["species"])
    data = data[data["sex"].isin(["MALE", "FEMALE"])]
    print(f"read {rows_in} rows, {len(data)} complete", flush=True)

    train, test = train_test_split(data, test_size=params["testShare"], random_state=params["seed"], stratify=data["species"])
    features = ColumnTransformer([("numeric", StandardScaler(), NUMERIC), ("categorical", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL)])
    model = Pipeline([("features", features), ("classifier", build_classifier(params))])
    model.fit(train[FEATURES], train["species"])
    predicted = model.predict(test[FEATURES])

    metrics = {
        "rows_in": rows_in,
        "rows_complete": len(data),
        "train_rows": len(train),
        "test_rows": len(test),
        "accuracy": accuracy_score(test["species"], predicted),
        "macro_f1": f1_score(test["species"], predicted, average="macro"),
    }
    per_class = f1_score(test["species"], predicted, average=None, labels=model.classes_)
    for species, f1 in zip(model.classes_, per_class):
        metrics[f"f1.{species}"] = f1

    joblib.dump({"pipeline": model, "features": FEATURES, "sklearn": sklearn.__version__}, os.environ["MLOPS_MODEL_PATH"])
    with open(os.environ["MLOPS_METRICS_PATH"], "w") as f:
        # allow_nan=False: a NaN metric fails here, by name, instead of writing invalid JSON.
        json.dump({key: float(value) for key, value in metrics.items()}, f, allow_nan=False)
    print(f"{params['model']}: accuracy {metrics['accuracy']:.3f}, macro F1 {metrics['macro_f1']:.3f} on {len(test)} test rows")


if __name__ == "__main__":
    main()
