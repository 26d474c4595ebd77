"""The network as code: PyTorch (torch.nn.Sequential) and nnabla (nnabla.functions and
nnabla.parametric_functions, as NNC's export writes it), both loading their weights and
the input from the NPZ of the app's "whole network" download (cnnlab.exports.network_npz),
so running the code gives the app's maps. Each layer kind writes its own line
(`torch_code`, `nnabla_code` in its module); no Streamlit here.
"""

from __future__ import annotations

from collections.abc import Sequence

from cnnlab.exports import parameter_key

NPZ = "cnnlab-network.npz"


def _usable(stages: Sequence) -> list:
    return [s for s in stages[1:] if s.error is None]


def torch_code(stages: Sequence, npz: str = NPZ) -> str:
    """PyTorch code for the stages that run; a layer torch.nn cannot express (pooling with
    IgnoreBorder off, or Padding over half its KernelShape) ends the model with a note."""
    modules, loads, note = [], [], ""
    for stage in _usable(stages):
        line = stage.spec.torch_code(stage.input_shape)
        if line is None:
            note = (f"# Layer {stage.index} ({stage.name}: {stage.spec.token()}) has no torch.nn equivalent "
                    "(nnabla keeps windows torch does not); the model stops before it.\n")
            break
        for name in stage.params or {}:
            loads.append(stage.spec.torch_load(f"model[{len(modules)}]", name,
                                               f"weights[{parameter_key(stage, name)!r}]"))
        modules.append(f"    {line},  # layer {stage.index}: {stage.spec.token()}")
    return "\n".join([
        "import numpy as np",
        "import torch",
        "from torch import nn",
        "",
        note + "model = nn.Sequential(",
        *modules,
        ")",
        f"weights = np.load({npz!r})  # the app's 'whole network' download",
        *loads,
        "model.eval()  # nnabla's inference: BatchNormalization uses its stored mean and var",
        "x = torch.from_numpy(weights['stage_0'])[None]  # the input, (1, C, H, W)",
        "with torch.no_grad():",
        "    for k, layer in enumerate(model, start=1):",
        "        x = layer(x)",
        "        print(k, tuple(x.shape), np.abs(x[0].numpy() - weights[f'stage_{k}']).max())",
        "",
    ])


def nnabla_code(stages: Sequence, npz: str = NPZ) -> str:
    """nnabla code for the stages that run, one function or parametric function per layer."""
    calls, loads = [], []
    for stage in _usable(stages):
        call, scope = stage.spec.nnabla_code("h", f"layer{stage.index}")
        calls.append(f"    h = {call}  # {stage.spec.token()}")
        for name in stage.params or {}:
            loads.append(f"params[{scope + '/' + name!r}].d = weights[{parameter_key(stage, name)!r}]")
    return "\n".join([
        "import numpy as np",
        "import nnabla as nn",
        "import nnabla.functions as F",
        "import nnabla.parametric_functions as PF",
        "",
        "",
        "def network(x):",
        "    h = x",
        *calls,
        "    return h",
        "",
        "",
        f"weights = np.load({npz!r})  # the app's 'whole network' download",
        "x = nn.Variable.from_numpy_array(weights['stage_0'][None])",
        "y = network(x)  # batch_stat=False: BatchNormalization uses its stored mean and var",
        "params = nn.get_parameters()",
        *loads,
        "y.forward()",
        "print(y.d.shape)",
        "",
    ])
