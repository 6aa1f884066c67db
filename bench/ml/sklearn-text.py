"""The scikit-learn peer of `npm run bench:ml`'s text part: TF-IDF (sublinear tf, min_df 2) +
LinearSVC fitted on the train documents, positive-class F1 on the test documents. The documents
come as JSON lines ({"text", "label"}) written by the bench from the ARFF files, as Trove's reader
parsed them (scipy's ARFF reader has no string attributes). Prints one JSON line.

python3 bench/ml/sklearn-text.py TRAIN.jsonl TEST.jsonl POSITIVE
"""
import json
import sys
import time

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.svm import LinearSVC


def read(path):
    with open(path, encoding='utf-8') as f:
        docs = [json.loads(line) for line in f]
    return [d['text'] for d in docs], [d['label'] for d in docs]


def main():
    train_file, test_file, positive = sys.argv[1:4]
    x_train, y_train = read(train_file)
    x_test, y_test = read(test_file)
    out = {}
    for weights in (None, 'balanced'):
        started = time.perf_counter()
        vectorizer = TfidfVectorizer(sublinear_tf=True, min_df=2)
        model = LinearSVC(class_weight=weights).fit(vectorizer.fit_transform(x_train), y_train)
        seconds = time.perf_counter() - started
        predicted = model.predict(vectorizer.transform(x_test))
        out['balanced' if weights else 'plain'] = {
            'f1': f1_score(y_test, predicted, pos_label=positive),
            'fitSeconds': seconds,
            'terms': len(vectorizer.vocabulary_),
        }
    print(json.dumps(out))


main()
