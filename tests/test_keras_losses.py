"""Keras 3 losses and metrics (tapeflow/train/losses.py, tapeflow/train/metrics.py).

Evidence:

* every number in LOSS_CASES, GRAD_CASES and METRIC_CASES came from Keras
  3.15.1 on TF 2.21.0 (``tf.keras.losses.<Class>(**kwargs)(y_true, y_pred,
  sample_weight=W[w])``, its gradient under ``tf.GradientTape`` and the
  metrics' ``result()`` after each call), on the float32 arrays DATA (int32
  for integer labels), printed to 9 significant digits;
* gradients against float64 central differences (``tf.test.check_gradients``);
* finite values and gradients at extreme logits and probabilities;
* Keras's errors, configs and name lookups.
"""

from __future__ import annotations

import doctest
from typing import Any

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.core.errors import InvalidArgumentError
from tapeflow.train import losses, metrics

CLASSES = {"MSE": losses.MeanSquaredError, "MAE": losses.MeanAbsoluteError,
           "Huber": losses.Huber, "BCE": losses.BinaryCrossentropy,
           "CCE": losses.CategoricalCrossentropy, "SCCE": losses.SparseCategoricalCrossentropy}

# -- inputs, and Keras 3.15.1 / TF 2.21.0's outputs on them -----------------------------------
DATA = {
    "R_T": [[0.0, 1.0, 2.0], [1.5, -1.0, 0.5]],
    "R_P": [[0.3, 1.8, 1.2], [1.0, 0.9, -0.4]],
    "R3_T": [[[0.0, 1.0, 2.0], [1.5, -1.0, 0.5]], [[0.2, 0.1, -2.0], [3.0, 0.0, 1.0]]],
    "R3_P": [[[0.3, 1.8, 1.2], [1.0, 0.9, -0.4]], [[0.0, 0.5, -1.0], [2.5, 0.2, 1.0]]],
    "B_T": [[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]],
    "B_P": [[0.1, 0.8, 0.6], [0.7, 0.4, 0.02]],
    "B_PX": [[0.0, 1.0, 1e-9], [1.0, 0.0, 0.5]],
    "B_L": [[-2.0, 1.5, 0.3], [3.0, -0.5, -40.0]],
    "B_LX": [[-100.0, 100.0, 0.0], [1e4, -1e4, 50.0]],
    "C_T": [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
    "C_P": [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]],
    "C_PU": [[0.1, 0.5, 0.2], [0.3, 0.3, 0.6]],
    "C_L": [[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]],
    "C_LX": [[1000.0, -1000.0, 0.0], [-500.0, 0.0, 500.0]],
    "S_T": [1, 2],
    "S_T2": [[1], [2]],
    "S3_T": [1, -1, 2],
    "S3_T2": [1, 2, 0],
    "S3_P": [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6]],
    "S3_L": [[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0], [0.5, 0.5, -2.0]],
}
W = {"w2": [0.3, 0.7], "w21": [[0.3], [0.7]], "ws": 2.0, "w3": [0.5, 0.0, 2.0],
     "w22": [[1.0, 0.5], [0.0, 2.0]], "w221": [[[1.0], [0.5]], [[0.0], [2.0]]]}
# (loss, constructor kwargs, y_true, y_pred, sample weight, Keras's output shape and values)
LOSS_CASES = [
    ('MSE', {}, 'R_T', 'R_P', None, [], [1.00666666]),
    ('MAE', {}, 'R_T', 'R_P', None, [], [0.866666675]),
    ('Huber', {}, 'R_T', 'R_P', None, [], [0.435833305]),
    ('Huber', {'delta': 0.5}, 'R_T', 'R_P', None, [], [0.311666667]),
    ('Huber', {'delta': 2.0}, 'R_T', 'R_P', None, [], [0.50333333]),
    ('BCE', {}, 'B_T', 'B_P', None, [], [0.287838817]),
    ('BCE', {'label_smoothing': 0.2}, 'B_T', 'B_P', None, [], [0.440064907]),
    ('BCE', {'axis': 0}, 'B_T', 'B_P', None, [], [0.287838817]),
    ('BCE', {}, 'B_T', 'B_PX', None, [], [2.80187368]),
    ('BCE', {'from_logits': True}, 'B_T', 'B_L', None, [], [0.234226823]),
    ('BCE', {'from_logits': True, 'label_smoothing': 0.1}, 'B_T', 'B_L', None, [], [0.628393531]),
    ('BCE', {'from_logits': True}, 'B_T', 'B_LX', None, [], [8.44885731]),
    ('CCE', {}, 'C_T', 'C_P', None, [], [1.17693925]),
    ('CCE', {}, 'C_T', 'C_PU', None, [], [0.581575394]),
    ('CCE', {'label_smoothing': 0.1}, 'C_T', 'C_P', None, [], [1.45913589]),
    ('CCE', {'axis': 0}, 'C_T', 'C_PU', None, [], [0.252561897]),
    ('CCE', {'axis': 0, 'label_smoothing': 0.1}, 'C_T', 'C_PU', None, [], [0.280625582]),
    ('CCE', {'from_logits': True}, 'C_T', 'C_L', None, [], [0.265126348]),
    ('CCE', {'from_logits': True, 'label_smoothing': 0.2}, 'C_T', 'C_L', None, [], [0.58179307]),
    ('CCE', {'from_logits': True}, 'C_T', 'C_LX', None, [], [1000.0]),
    ('CCE', {'from_logits': True, 'axis': 0}, 'C_T', 'C_L', None, [], [0.0686059296]),
    ('SCCE', {}, 'S_T', 'C_P', None, [], [1.17693925]),
    ('SCCE', {}, 'S_T2', 'C_P', None, [], [1.17693925]),
    ('SCCE', {'from_logits': True}, 'S_T', 'C_L', None, [], [0.265126348]),
    ('SCCE', {'from_logits': True}, 'S_T', 'C_LX', None, [], [1000.0]),
    ('SCCE', {'ignore_class': -1}, 'S3_T', 'S3_P', None, [], [0.281059504]),
    ('SCCE', {'ignore_class': -1, 'from_logits': True}, 'S3_T', 'S3_L', None, [], [1.84886932]),
    ('SCCE', {'ignore_class': 2, 'from_logits': True}, 'S3_T2', 'S3_L', None, [], [0.598869264]),
    ('MSE', {'reduction': 'sum'}, 'R_T', 'R_P', None, [], [2.01333332]),
    ('BCE', {'reduction': 'sum', 'from_logits': True}, 'B_T', 'B_L', None, [], [0.468453646]),
    ('CCE', {'reduction': 'sum'}, 'C_T', 'C_P', None, [], [2.3538785]),
    ('SCCE', {'reduction': 'sum', 'from_logits': True}, 'S_T', 'C_L', None, [], [0.530252695]),
    ('MSE', {'reduction': 'sum'}, 'R_T', 'R_P', 'w2', [], [1.22666669]),
    ('BCE', {'reduction': 'sum', 'from_logits': True}, 'B_T', 'B_L', 'w2', [], [0.210224658]),
    ('CCE', {'reduction': 'sum'}, 'C_T', 'C_P', 'w2', [], [1.62719762]),
    ('SCCE', {'reduction': 'sum', 'from_logits': True}, 'S_T', 'C_L', 'w2', [], [0.185429379]),
    ('MSE', {'reduction': 'sum'}, 'R_T', 'R_P', 'w21', [], [1.22666669]),
    ('BCE', {'reduction': 'sum', 'from_logits': True}, 'B_T', 'B_L', 'w21', [], [0.210224658]),
    ('CCE', {'reduction': 'sum'}, 'C_T', 'C_P', 'w21', [], [1.62719762]),
    ('SCCE', {'reduction': 'sum', 'from_logits': True}, 'S_T', 'C_L', 'w21', [], [0.185429379]),
    ('MSE', {'reduction': 'sum'}, 'R_T', 'R_P', 'ws', [], [4.02666664]),
    ('BCE', {'reduction': 'sum', 'from_logits': True}, 'B_T', 'B_L', 'ws', [], [0.936907291]),
    ('CCE', {'reduction': 'sum'}, 'C_T', 'C_P', 'ws', [], [4.707757]),
    ('SCCE', {'reduction': 'sum', 'from_logits': True}, 'S_T', 'C_L', 'ws', [], [1.06050539]),
    ('SCCE', {'reduction': 'sum', 'ignore_class': -1, 'from_logits': True}, 'S3_T', 'S3_L', None,
        [], [3.69773865]),
    ('SCCE', {'reduction': 'sum', 'ignore_class': -1, 'from_logits': True}, 'S3_T', 'S3_L', 'w3',
        [], [6.69892406]),
    ('MSE', {'reduction': 'sum'}, 'R3_T', 'R3_P', None, [], [2.50999999]),
    ('Huber', {'reduction': 'sum'}, 'R3_T', 'R3_P', None, [], [1.11999989]),
    ('MSE', {'reduction': 'sum'}, 'R3_T', 'R3_P', 'w2', [], [1.41433334]),
    ('Huber', {'reduction': 'sum'}, 'R3_T', 'R3_P', 'w2', [], [0.612666667]),
    ('MSE', {'reduction': 'sum'}, 'R3_T', 'R3_P', 'w22', [], [1.42833328]),
    ('Huber', {'reduction': 'sum'}, 'R3_T', 'R3_P', 'w22', [], [0.646666646]),
    ('MSE', {'reduction': 'sum'}, 'R3_T', 'R3_P', 'w221', [], [1.42833328]),
    ('Huber', {'reduction': 'sum'}, 'R3_T', 'R3_P', 'w221', [], [0.646666646]),
    ('MSE', {'reduction': 'none'}, 'R_T', 'R_P', None, [2], [0.456666619, 1.55666673]),
    ('BCE', {'reduction': 'none', 'from_logits': True}, 'B_T', 'B_L', None, [2],
        [0.29423219, 0.174221441]),
    ('CCE', {'reduction': 'none'}, 'C_T', 'C_P', None, [2], [0.0512933061, 2.30258512]),
    ('SCCE', {'reduction': 'none', 'from_logits': True}, 'S_T', 'C_L', None, [2],
        [0.46436879, 0.0658839121]),
    ('MSE', {'reduction': 'none'}, 'R_T', 'R_P', 'w2', [2], [0.136999995, 1.08966672]),
    ('BCE', {'reduction': 'none', 'from_logits': True}, 'B_T', 'B_L', 'w2', [2],
        [0.0882696584, 0.121955007]),
    ('CCE', {'reduction': 'none'}, 'C_T', 'C_P', 'w2', [2], [0.0153879924, 1.61180961]),
    ('SCCE', {'reduction': 'none', 'from_logits': True}, 'S_T', 'C_L', 'w2', [2],
        [0.139310643, 0.0461187363]),
    ('MSE', {'reduction': 'none'}, 'R_T', 'R_P', 'w21', [2, 1], [0.136999995, 1.08966672]),
    ('BCE', {'reduction': 'none', 'from_logits': True}, 'B_T', 'B_L', 'w21', [2, 1],
        [0.0882696584, 0.121955007]),
    ('CCE', {'reduction': 'none'}, 'C_T', 'C_P', 'w21', [2, 1], [0.0153879924, 1.61180961]),
    ('SCCE', {'reduction': 'none', 'from_logits': True}, 'S_T', 'C_L', 'w21', [2, 1],
        [0.139310643, 0.0461187363]),
    ('MSE', {'reduction': 'none'}, 'R_T', 'R_P', 'ws', [2], [0.913333237, 3.11333346]),
    ('BCE', {'reduction': 'none', 'from_logits': True}, 'B_T', 'B_L', 'ws', [2],
        [0.588464379, 0.348442882]),
    ('CCE', {'reduction': 'none'}, 'C_T', 'C_P', 'ws', [2], [0.102586612, 4.60517025]),
    ('SCCE', {'reduction': 'none', 'from_logits': True}, 'S_T', 'C_L', 'ws', [2],
        [0.928737581, 0.131767824]),
    ('SCCE', {'reduction': 'none', 'ignore_class': -1, 'from_logits': True}, 'S3_T', 'S3_L', None,
        [3], [0.46436879, 0.0, 3.23336983]),
    ('SCCE', {'reduction': 'none', 'ignore_class': -1, 'from_logits': True}, 'S3_T', 'S3_L', 'w3',
        [3], [0.232184395, 0.0, 6.46673965]),
    ('MSE', {'reduction': 'none'}, 'R3_T', 'R3_P', None, [2, 2],
        [0.456666619, 1.55666673, 0.400000006, 0.0966666639]),
    ('Huber', {'reduction': 'none'}, 'R3_T', 'R3_P', None, [2, 2],
        [0.228333309, 0.643333316, 0.200000003, 0.0483333319]),
    ('MSE', {'reduction': 'none'}, 'R3_T', 'R3_P', 'w2', [2, 2],
        [0.136999995, 1.08966672, 0.120000005, 0.0676666647]),
    ('Huber', {'reduction': 'none'}, 'R3_T', 'R3_P', 'w2', [2, 2],
        [0.0684999973, 0.450333327, 0.0600000024, 0.0338333324]),
    ('MSE', {'reduction': 'none'}, 'R3_T', 'R3_P', 'w22', [2, 2],
        [0.456666619, 0.778333366, 0.0, 0.193333328]),
    ('Huber', {'reduction': 'none'}, 'R3_T', 'R3_P', 'w22', [2, 2],
        [0.228333309, 0.321666658, 0.0, 0.0966666639]),
    ('MSE', {'reduction': 'none'}, 'R3_T', 'R3_P', 'w221', [2, 2],
        [0.456666619, 0.778333366, 0.0, 0.193333328]),
    ('Huber', {'reduction': 'none'}, 'R3_T', 'R3_P', 'w221', [2, 2],
        [0.228333309, 0.321666658, 0.0, 0.0966666639]),
    ('MSE', {'reduction': 'mean'}, 'R_T', 'R_P', None, [], [1.00666666]),
    ('BCE', {'reduction': 'mean', 'from_logits': True}, 'B_T', 'B_L', None, [], [0.234226823]),
    ('CCE', {'reduction': 'mean'}, 'C_T', 'C_P', None, [], [1.17693925]),
    ('SCCE', {'reduction': 'mean', 'from_logits': True}, 'S_T', 'C_L', None, [], [0.265126348]),
    ('MSE', {'reduction': 'mean'}, 'R_T', 'R_P', 'w2', [], [0.613333344]),
    ('BCE', {'reduction': 'mean', 'from_logits': True}, 'B_T', 'B_L', 'w2', [], [0.105112329]),
    ('CCE', {'reduction': 'mean'}, 'C_T', 'C_P', 'w2', [], [0.813598812]),
    ('SCCE', {'reduction': 'mean', 'from_logits': True}, 'S_T', 'C_L', 'w2', [], [0.0927146897]),
    ('MSE', {'reduction': 'mean'}, 'R_T', 'R_P', 'w21', [], [0.613333344]),
    ('BCE', {'reduction': 'mean', 'from_logits': True}, 'B_T', 'B_L', 'w21', [], [0.105112329]),
    ('CCE', {'reduction': 'mean'}, 'C_T', 'C_P', 'w21', [], [0.813598812]),
    ('SCCE', {'reduction': 'mean', 'from_logits': True}, 'S_T', 'C_L', 'w21', [], [0.0927146897]),
    ('MSE', {'reduction': 'mean'}, 'R_T', 'R_P', 'ws', [], [2.01333332]),
    ('BCE', {'reduction': 'mean', 'from_logits': True}, 'B_T', 'B_L', 'ws', [], [0.468453646]),
    ('CCE', {'reduction': 'mean'}, 'C_T', 'C_P', 'ws', [], [2.3538785]),
    ('SCCE', {'reduction': 'mean', 'from_logits': True}, 'S_T', 'C_L', 'ws', [], [0.530252695]),
    ('SCCE', {'reduction': 'mean', 'ignore_class': -1, 'from_logits': True}, 'S3_T', 'S3_L', None,
        [], [1.84886932]),
    ('SCCE', {'reduction': 'mean', 'ignore_class': -1, 'from_logits': True}, 'S3_T', 'S3_L', 'w3',
        [], [3.34946179]),
    ('MSE', {'reduction': 'mean'}, 'R3_T', 'R3_P', None, [], [0.627499998]),
    ('Huber', {'reduction': 'mean'}, 'R3_T', 'R3_P', None, [], [0.279999971]),
    ('MSE', {'reduction': 'mean'}, 'R3_T', 'R3_P', 'w2', [], [0.353583336]),
    ('Huber', {'reduction': 'mean'}, 'R3_T', 'R3_P', 'w2', [], [0.153166667]),
    ('MSE', {'reduction': 'mean'}, 'R3_T', 'R3_P', 'w22', [], [0.357083321]),
    ('Huber', {'reduction': 'mean'}, 'R3_T', 'R3_P', 'w22', [], [0.161666662]),
    ('MSE', {'reduction': 'mean'}, 'R3_T', 'R3_P', 'w221', [], [0.357083321]),
    ('Huber', {'reduction': 'mean'}, 'R3_T', 'R3_P', 'w221', [], [0.161666662]),
    ('MSE', {'reduction': 'mean_with_sample_weight'}, 'R_T', 'R_P', None, [], [1.00666666]),
    ('BCE', {'reduction': 'mean_with_sample_weight', 'from_logits': True}, 'B_T', 'B_L', None, [],
        [0.234226823]),
    ('CCE', {'reduction': 'mean_with_sample_weight'}, 'C_T', 'C_P', None, [], [1.17693925]),
    ('SCCE', {'reduction': 'mean_with_sample_weight', 'from_logits': True}, 'S_T', 'C_L', None, [],
        [0.265126348]),
    ('MSE', {'reduction': 'mean_with_sample_weight'}, 'R_T', 'R_P', 'w2', [], [1.22666669]),
    ('BCE', {'reduction': 'mean_with_sample_weight', 'from_logits': True}, 'B_T', 'B_L', 'w2', [],
        [0.210224658]),
    ('CCE', {'reduction': 'mean_with_sample_weight'}, 'C_T', 'C_P', 'w2', [], [1.62719762]),
    ('SCCE', {'reduction': 'mean_with_sample_weight', 'from_logits': True}, 'S_T', 'C_L', 'w2', [],
        [0.185429379]),
    ('MSE', {'reduction': 'mean_with_sample_weight'}, 'R_T', 'R_P', 'w21', [], [1.22666669]),
    ('BCE', {'reduction': 'mean_with_sample_weight', 'from_logits': True}, 'B_T', 'B_L', 'w21', [],
        [0.210224658]),
    ('CCE', {'reduction': 'mean_with_sample_weight'}, 'C_T', 'C_P', 'w21', [], [1.62719762]),
    ('SCCE', {'reduction': 'mean_with_sample_weight', 'from_logits': True}, 'S_T', 'C_L', 'w21',
        [], [0.185429379]),
    ('MSE', {'reduction': 'mean_with_sample_weight'}, 'R_T', 'R_P', 'ws', [], [2.01333332]),
    ('BCE', {'reduction': 'mean_with_sample_weight', 'from_logits': True}, 'B_T', 'B_L', 'ws', [],
        [0.468453646]),
    ('CCE', {'reduction': 'mean_with_sample_weight'}, 'C_T', 'C_P', 'ws', [], [2.3538785]),
    ('SCCE', {'reduction': 'mean_with_sample_weight', 'from_logits': True}, 'S_T', 'C_L', 'ws', [],
        [0.530252695]),
    ('SCCE', {'reduction': 'mean_with_sample_weight', 'ignore_class': -1, 'from_logits': True},
        'S3_T', 'S3_L', None, [], [1.84886932]),
    ('SCCE', {'reduction': 'mean_with_sample_weight', 'ignore_class': -1, 'from_logits': True},
        'S3_T', 'S3_L', 'w3', [], [2.67956972]),
    ('MSE', {'reduction': 'mean_with_sample_weight'}, 'R3_T', 'R3_P', None, [], [0.627499998]),
    ('Huber', {'reduction': 'mean_with_sample_weight'}, 'R3_T', 'R3_P', None, [], [0.279999971]),
    ('MSE', {'reduction': 'mean_with_sample_weight'}, 'R3_T', 'R3_P', 'w2', [], [1.41433334]),
    ('Huber', {'reduction': 'mean_with_sample_weight'}, 'R3_T', 'R3_P', 'w2', [], [0.612666667]),
    ('MSE', {'reduction': 'mean_with_sample_weight'}, 'R3_T', 'R3_P', 'w22', [], [0.408095211]),
    ('Huber', {'reduction': 'mean_with_sample_weight'}, 'R3_T', 'R3_P', 'w22', [], [0.184761897]),
    ('MSE', {'reduction': 'mean_with_sample_weight'}, 'R3_T', 'R3_P', 'w221', [], [0.408095211]),
    ('Huber', {'reduction': 'mean_with_sample_weight'}, 'R3_T', 'R3_P', 'w221', [], [0.184761897]),
]
# (loss, kwargs, y_true, y_pred, Keras's d loss / d y_pred), default reduction
GRAD_CASES = [
    ('BCE', {}, 'B_T', 'B_PX', [0.0, 0.0, 0.0, 0.0, 0.0, 0.333333343]),
    ('BCE', {'from_logits': True}, 'B_T', 'B_LX',
        [0.0, 0.0, -0.0833333358, 0.0, 0.0, 0.166666672]),
    ('CCE', {}, 'C_T', 'C_P', [0.5, -0.0263158083, 0.5, 0.5, 0.5, -4.5]),
    ('CCE', {'from_logits': True}, 'C_T', 'C_LX', [0.5, -0.5, 0.0, 0.0, 0.0, 0.0]),
    ('SCCE', {}, 'S_T', 'C_P', [0.49999997, -0.0263158586, 0.0, 0.5, 0.5, -4.5]),
    ('SCCE', {'ignore_class': -1, 'from_logits': True}, 'S3_T', 'S3_L',
        [0.115611948, -0.185734153, 0.0701221898, 0.0, 0.0, 0.0,
         0.24014391, 0.24014391, -0.48028779]),
    ('Huber', {}, 'R_T', 'R_P',
        [0.0500000045, 0.133333325, -0.133333325, -0.0833333358, 0.166666672, -0.150000006]),
]
# (metric, kwargs, calls: (y_true, y_pred, sample_weight) or "reset", result() after each)
METRIC_CASES = [
    ('Accuracy', {}, [
        ([[1], [2], [3], [4]], [[0], [2], [3], [4]], None),
        ([[1], [2], [3], [4]], [[0], [2], [3], [4]], [[1], [1], [0], [0]]),
        'reset',
        ([1, 2, 3], [1, 2, 2], [0.5, 2.0, 1.0]),
    ], [0.75, 0.666666687, 0.0, 0.714285731]),
    ('BinaryAccuracy', {}, [
        ([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], None),
        ([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], [[1], [0], [0], [1]]),
    ], [0.75, 0.666666687]),
    ('BinaryAccuracy', {'threshold': 0.7}, [
        ([[1, 0], [1, 1]], [[0.7, 0.71], [0.9, 0.2]], None),
        ([[1, 0], [1, 1]], [[0.7, 0.71], [0.9, 0.2]], [0.2, 1.0]),
    ], [0.25, 0.3125]),
    ('CategoricalAccuracy', {}, [
        ([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], None),
        ([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], [[0.7], [0.3]]),
        ([[0, 1, 0], [1, 0, 0]], [[0.5, 0.5, 0.0], [0.3, 0.3, 0.3]], None),
    ], [0.5, 0.433333308, 0.459999979]),
    ('SparseCategoricalAccuracy', {}, [
        ([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], None),
        ([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], [[0.7], [0.3]]),
        'reset',
        ([2, 1], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], [0.7, 0.3]),
        ([[0, 1], [2, 2]], [[[1, 0, 0], [0, 1, 0]], [[0, 1, 0], [0, 0, 1]]], None),
    ], [0.5, 0.433333308, 0.0, 0.300000012, 0.599999964]),
    ('Mean', {}, [
        ([1, 3, 5, 7],),
        'reset',
        ([1, 3, 5, 7], [1, 1, 0, 0]),
        'reset',
        ([[1, 2], [3, 4]],),
        ([[1, 2], [3, 4]], [1, 0]),
        'reset',
        ([[1, 2], [3, 4]], [[1, 0], [0.5, 2]]),
        'reset',
        (5,),
        ([[1, 2], [3, 4]], 2.0),
    ], [4.0, 0.0, 2.0, 0.0, 2.5, 2.16666675, 0.0, 3.0, 0.0, 5.0, 3.33333325]),
]

def arr(key: str) -> np.ndarray:
    v = np.array(DATA[key])
    return v.astype(np.int32 if v.dtype.kind == "i" else np.float32)


def f64(a: Any) -> tf.Tensor:
    return tf.constant(np.asarray(a, np.float64))


def case_id(case: tuple) -> str:
    return "-".join(str(p) for p in case[:5])


# -- values against Keras ---------------------------------------------------------------------
@pytest.mark.parametrize("case", LOSS_CASES, ids=case_id)
def test_loss_matches_keras(case: tuple) -> None:
    name, kwargs, y_true, y_pred, w, shape, want = case
    weight = None if w is None else np.array(W[w], np.float32)
    spellings = [kwargs]
    if kwargs.get("reduction") == "none":  # Keras gives the same numbers for None
        spellings.append({**kwargs, "reduction": None})
    for spelling in spellings:
        got = CLASSES[name](**spelling)(arr(y_true), arr(y_pred), sample_weight=weight)
        assert got.dtype == tf.float32
        assert list(got.shape) == shape
        np.testing.assert_allclose(got.numpy().ravel(), want, rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize("case", GRAD_CASES, ids=case_id)
def test_gradient_matches_keras(case: tuple) -> None:
    """Pins where Keras clips: clipped probabilities and saturated logits get 0."""
    name, kwargs, y_true, y_pred, want = case
    x = tf.constant(arr(y_pred))
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = CLASSES[name](**kwargs)(arr(y_true), x)
    np.testing.assert_allclose(tape.gradient(loss, x).numpy().ravel(), want,
                               rtol=2e-6, atol=1e-7)


FUNCTIONS = [
    (losses.mean_squared_error, "MSE", {}), (losses.mean_absolute_error, "MAE", {}),
    (losses.huber, "Huber", {"delta": 0.5}),
    (losses.binary_crossentropy, "BCE", {"label_smoothing": 0.2}),
    (losses.categorical_crossentropy, "CCE", {"from_logits": True, "label_smoothing": 0.1}),
    (losses.sparse_categorical_crossentropy, "SCCE", {"from_logits": True}),
]


@pytest.mark.parametrize("fn, name, kwargs", FUNCTIONS, ids=lambda v: getattr(v, "__name__", ""))
def test_functions_are_the_per_sample_losses(fn: Any, name: str, kwargs: dict) -> None:
    pairs = {"MSE": ("R_T", "R_P"), "MAE": ("R_T", "R_P"), "Huber": ("R_T", "R_P"),
             "BCE": ("B_T", "B_P"), "CCE": ("C_T", "C_L"), "SCCE": ("S_T", "C_L")}
    y_true, y_pred = pairs[name]
    per_sample = fn(arr(y_true), arr(y_pred), **kwargs)
    unreduced = CLASSES[name](reduction=None, **kwargs)(arr(y_true), arr(y_pred))
    np.testing.assert_array_equal(per_sample.numpy(), unreduced.numpy())
    # The functions keep y_pred's dtype; the classes cast to theirs (float32).
    assert fn(arr(y_true), arr(y_pred).astype(np.float64), **kwargs).dtype == tf.float64
    assert CLASSES[name](**kwargs)(arr(y_true), arr(y_pred).astype(np.float64)).dtype == \
        tf.float32
    assert CLASSES[name](dtype="float64", **kwargs)(
        arr(y_true), arr(y_pred).astype(np.float64)).dtype == tf.float64


def test_reductions_agree_with_each_other() -> None:
    y_true, y_pred = arr("R_T"), arr("R_P")
    none = losses.MeanSquaredError(reduction="none")(y_true, y_pred).numpy()
    total = losses.MeanSquaredError(reduction="sum")(y_true, y_pred).numpy()
    assert total == pytest.approx(none.sum())
    for name in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        assert losses.MeanSquaredError(reduction=name)(y_true, y_pred).numpy() == \
            pytest.approx(none.mean())


def test_empty_batch_and_scalar_losses_are_returned_unreduced() -> None:
    empty = losses.MeanSquaredError()(np.zeros((0, 3), np.float32), np.zeros((0, 3), np.float32))
    assert empty.shape == (0,)
    out = losses.reduce_weighted_values(tf.constant(2.0), sample_weight=3.0)
    assert float(out) == 6.0


# -- gradients against float64 central differences ------------------------------------------
def _smooth_inputs() -> dict:
    rng = np.random.default_rng(3)
    probs = rng.uniform(0.1, 0.9, (3, 4))
    return {
        "reg": (rng.normal(size=(3, 4)), rng.normal(size=(3, 4))),
        "bin": ((rng.uniform(size=(3, 4)) > 0.5).astype(np.float64), probs),
        "logit": ((rng.uniform(size=(3, 4)) > 0.5).astype(np.float64), rng.normal(size=(3, 4))),
        "cat": (np.eye(4)[[0, 3, 1]], probs),
        "catlogit": (np.eye(4)[[0, 3, 1]], 3 * rng.normal(size=(3, 4))),
        # one-hot down the columns: TF's gradient assumes labels that sum to 1 along axis
        "catlogit0": (np.eye(3)[[0, 2, 1, 0]].T, 3 * rng.normal(size=(3, 4))),
        "sparse": (np.array([0, 3, 1]), probs),
    }


GRADIENT_FUNCTIONS = [
    ("mse", losses.mean_squared_error, {}, "reg"),
    ("mae", losses.mean_absolute_error, {}, "reg"),
    ("huber", losses.huber, {"delta": 0.8}, "reg"),
    ("bce", losses.binary_crossentropy, {}, "bin"),
    ("bce_smooth", losses.binary_crossentropy, {"label_smoothing": 0.3}, "bin"),
    ("bce_logits", losses.binary_crossentropy, {"from_logits": True}, "logit"),
    ("bce_axis0", losses.binary_crossentropy, {"from_logits": True, "axis": 0}, "logit"),
    ("cce", losses.categorical_crossentropy, {}, "cat"),
    ("cce_smooth", losses.categorical_crossentropy, {"label_smoothing": 0.2}, "cat"),
    ("cce_logits", losses.categorical_crossentropy, {"from_logits": True}, "catlogit"),
    ("cce_axis0", losses.categorical_crossentropy, {"from_logits": True, "axis": 0},
     "catlogit0"),
    ("scce", losses.sparse_categorical_crossentropy, {}, "sparse"),
    ("scce_logits", losses.sparse_categorical_crossentropy, {"from_logits": True}, "sparse"),
]


@pytest.mark.parametrize("fn, kwargs, data", [g[1:] for g in GRADIENT_FUNCTIONS],
                         ids=[g[0] for g in GRADIENT_FUNCTIONS])
def test_function_gradients(fn: Any, kwargs: dict, data: str) -> None:
    y_true, y_pred = _smooth_inputs()[data]
    labels = tf.constant(y_true) if y_true.dtype.kind == "i" else f64(y_true)
    # mae and huber: no error sits on a kink (|e| = 0 or delta) for these inputs
    tf.test.check_gradients(lambda p: fn(labels, p, **kwargs), [f64(y_pred)], order=2)
    if y_true.dtype.kind == "f":  # the targets are differentiable too, as in Keras
        tf.test.check_gradients(lambda t: fn(t, f64(y_pred), **kwargs), [f64(y_true)], order=1)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none", "mean",
                                       "mean_with_sample_weight"])
@pytest.mark.parametrize("weight", [None, [0.3, 1.5, 0.0], [[2.0], [0.5], [1.0]], 0.7])
def test_class_gradients_with_reductions_and_weights(reduction: str, weight: Any) -> None:
    inputs = _smooth_inputs()
    for cls, kwargs, data in [(losses.MeanSquaredError, {}, "reg"),
                              (losses.BinaryCrossentropy, {"from_logits": True}, "logit"),
                              (losses.CategoricalCrossentropy, {}, "cat"),
                              (losses.SparseCategoricalCrossentropy, {"ignore_class": 1},
                               "sparse")]:
        y_true, y_pred = inputs[data]
        loss = cls(reduction=reduction, dtype="float64", **kwargs)
        tf.test.check_gradients(lambda p, _l=loss, _t=y_true: _l(_t, p, sample_weight=weight),
                                [f64(y_pred)], order=1)


def test_gradient_reaches_a_variable() -> None:
    v = tf.Variable(arr("B_L"))
    with tf.GradientTape() as tape:
        loss = losses.BinaryCrossentropy(from_logits=True)(arr("B_T"), v)
    grad = tape.gradient(loss, v).numpy()
    want = (1 / (1 + np.exp(-arr("B_L").astype(np.float64))) - arr("B_T")) / 6
    np.testing.assert_allclose(grad, want, rtol=1e-5, atol=1e-8)


# -- numerical stability ------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_inputs_stay_finite(dtype: Any) -> None:
    big = np.array([[-1e4, 1e4, 0.0, 88.0], [-200.0, 200.0, 1e30, -1e30]], dtype)
    onehot = np.eye(4, dtype=dtype)[[1, 0]]
    cases = [
        (losses.BinaryCrossentropy(from_logits=True, dtype=dtype), onehot, big),
        (losses.CategoricalCrossentropy(from_logits=True, dtype=dtype), onehot, big),
        (losses.SparseCategoricalCrossentropy(from_logits=True, dtype=dtype),
         np.array([1, 0]), big),
        (losses.BinaryCrossentropy(dtype=dtype), onehot, (big > 0).astype(dtype)),
        (losses.CategoricalCrossentropy(dtype=dtype), onehot, (big > 0).astype(dtype)),
        (losses.SparseCategoricalCrossentropy(dtype=dtype), np.array([1, 0]),
         (big > 0).astype(dtype)),
        (losses.BinaryCrossentropy(dtype=dtype, label_smoothing=0.1), onehot,
         np.array([[1e-30, 1.0, 0.0, 0.5]] * 2, dtype)),
    ]
    for loss, y_true, y_pred in cases:
        x = tf.constant(y_pred)
        with tf.GradientTape() as tape:
            tape.watch(x)
            value = loss(y_true, x)
        grad = tape.gradient(value, x).numpy()
        assert np.isfinite(value.numpy()).all(), loss.name
        assert np.isfinite(grad).all(), loss.name


def test_clipping_bounds_match_keras_epsilon() -> None:
    # -log(1e-7) for a certain wrong prediction, and -log(1 - 1e-7) for a certain right one.
    out = losses.binary_crossentropy(f64([[1.0, 0.0]]), f64([[0.0, 0.0]]))
    np.testing.assert_allclose(out.numpy(), [(-np.log(1e-7) - np.log(1 - 1e-7)) / 2])
    assert losses.EPSILON == 1e-7


# -- errors, configs, lookups -----------------------------------------------------------------
def test_errors_match_keras() -> None:
    with pytest.raises(ValueError, match="Invalid value for argument `reduction`"):
        losses.MeanSquaredError(reduction="bogus")
    with pytest.raises(ValueError, match="must have the same shape"):
        losses.binary_crossentropy([[1.0, 0.0]], [[0.5, 0.5, 0.4]])
    with pytest.raises(ValueError, match="must have the same rank"):
        losses.binary_crossentropy([1.0, 0.0], [[0.5], [0.5]])
    with pytest.raises(ValueError, match="`axis` must be of type `int`"):
        losses.categorical_crossentropy([[0.0, 1.0]], [[0.5, 0.5]], axis=True)
    with pytest.raises(ValueError, match="Only axis=-1 is currently supported"):
        losses.sparse_categorical_crossentropy([1], [[0.5, 0.5]], axis=0)
    with pytest.raises(InvalidArgumentError, match="outside the valid range"):
        losses.sparse_categorical_crossentropy([3], [[0.5, 0.5]])
    with pytest.raises(InvalidArgumentError):
        losses.MeanSquaredError()(3.0, 4.0)  # Keras: no axis -1 to average over
    with pytest.warns(SyntaxWarning, match="num_classes > 1"):
        losses.categorical_crossentropy([[1.0]], [[0.5]])


def test_configs_match_keras() -> None:
    assert losses.MeanSquaredError().get_config() == {
        "name": "mean_squared_error", "reduction": "sum_over_batch_size"}
    assert losses.BinaryCrossentropy().get_config() == {
        "name": "binary_crossentropy", "reduction": "sum_over_batch_size",
        "from_logits": False, "label_smoothing": 0.0, "axis": -1}
    assert losses.SparseCategoricalCrossentropy().get_config() == {
        "name": "sparse_categorical_crossentropy", "reduction": "sum_over_batch_size",
        "from_logits": False, "ignore_class": None}
    assert losses.Huber(delta=0.5).get_config() == {  # Keras leaves delta out
        "name": "huber_loss", "reduction": "sum_over_batch_size"}
    cce = losses.CategoricalCrossentropy.from_config(
        losses.CategoricalCrossentropy(from_logits=True, reduction="sum").get_config())
    assert (cce.from_logits, cce.reduction, cce.name) == (True, "sum", "categorical_crossentropy")
    assert losses.Loss().name == "loss"
    assert losses.MeanSquaredError(reduction=None).reduction is None


def test_get_by_name() -> None:
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("MAE") is losses.mean_absolute_error
    assert losses.get("binary_crossentropy") is losses.binary_crossentropy
    assert isinstance(losses.get("SparseCategoricalCrossentropy"),
                      losses.SparseCategoricalCrossentropy)
    got = losses.get({"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}})
    assert got.from_logits is True
    assert losses.get(None) is None
    with pytest.raises(ValueError, match="Could not interpret loss identifier: nope"):
        losses.get("nope")
    assert losses.Reduction.SUM_OVER_BATCH_SIZE == "sum_over_batch_size"
    assert losses.mse is losses.MSE is losses.mean_squared_error


def test_wired_into_tf_keras_when_present() -> None:
    keras = getattr(tf, "keras", None)
    if keras is None:
        pytest.skip("tf.keras is not wired yet")
    assert keras.losses.MeanSquaredError is losses.MeanSquaredError
    assert keras.metrics.Mean is metrics.Mean


# -- metrics ----------------------------------------------------------------------------------
@pytest.mark.parametrize("case", METRIC_CASES, ids=lambda c: f"{c[0]}-{c[1]}")
def test_metric_matches_keras(case: tuple) -> None:
    name, kwargs, calls, want = case
    metric = getattr(metrics, name)(**kwargs)
    got = []
    for call in calls:
        if call == "reset":
            metric.reset_state()
        else:
            args = list(call)
            if len(args) == 3 and args[2] is None:
                args = args[:2]
            metric.update_state(*args)
        result = metric.result()
        assert result.dtype == tf.float32
        got.append(float(result))
    np.testing.assert_allclose(got, want, rtol=2e-6)


def test_metric_functions_match_keras() -> None:
    # Keras 3.15.1: per-sample values and shapes
    pred = [[0.1, 0.9, 0.8], [0.05, 0.95, 0.0]]
    out = metrics.binary_accuracy([[1.0], [0.0]], [[0.6], [0.6]])
    assert out.shape == (2, 1) and out.numpy().ravel().tolist() == [1.0, 0.0]
    out = metrics.binary_accuracy([1.0, 0.0, 1.0], [0.6, 0.2, 0.8], threshold=0.7)
    assert out.numpy().tolist() == [0.0, 1.0, 1.0]
    out = metrics.categorical_accuracy([[0, 0, 1], [0, 1, 0.0]], pred)
    assert out.shape == (2,) and out.numpy().tolist() == [0.0, 1.0]
    for labels in ([[2], [1.0]], [2, 1.0]):
        out = metrics.sparse_categorical_accuracy(labels, pred)
        assert out.shape == (2,) and out.numpy().tolist() == [0.0, 1.0]
        assert out.dtype == tf.float32
    assert metrics.accuracy([1, 2, 3], [1, 2, 0]).numpy().tolist() == [1.0, 1.0, 0.0]


def test_metric_state_and_config() -> None:
    m = metrics.Mean()
    assert float(m.result()) == 0.0  # no samples yet: divide_no_nan
    assert [v.name.split(":")[0] for v in m.variables] == ["total", "count"]
    assert all(not v.trainable and v.dtype == tf.float32 for v in m.variables)
    assert (m.name, m.dtype, repr(m)) == ("mean", "float32", "<Mean name=mean>")
    assert m.update_state([1.0, 2.0]) is None
    assert float(m([3.0])) == 2.0  # calling updates, then returns result()
    m.reset_state()
    assert [float(v.numpy()) for v in m.variables] == [0.0, 0.0]
    assert metrics.BinaryAccuracy().get_config() == {
        "name": "binary_accuracy", "dtype": "float32", "threshold": 0.5}
    assert metrics.Accuracy().get_config() == {"name": "accuracy", "dtype": "float32"}
    m64 = metrics.Mean(dtype="float64")
    m64.update_state([1.0, 2.0])
    assert m64.result().dtype == tf.float64
    assert metrics.MeanMetricWrapper(fn=metrics.accuracy).name == "mean_metric_wrapper"


def test_metric_get() -> None:
    assert isinstance(metrics.get("accuracy"), metrics.Accuracy)
    assert isinstance(metrics.get("binary_accuracy"), metrics.BinaryAccuracy)
    assert isinstance(metrics.get("SparseCategoricalAccuracy"),
                      metrics.SparseCategoricalAccuracy)
    assert metrics.get({"class_name": "BinaryAccuracy", "config": {"threshold": 0.9}}
                       ).threshold == 0.9
    with pytest.raises(ValueError, match="Could not interpret metric identifier: acc"):
        metrics.get("acc")


# -- docstring examples -------------------------------------------------------------------------
@pytest.mark.parametrize("module", [losses, metrics], ids=lambda m: m.__name__)
def test_docstring_examples(module: Any) -> None:
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(module, optionflags=flags)
    assert result.failed == 0 and result.attempted > 0
