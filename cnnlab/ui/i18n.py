"""Every user-visible string, in English and Japanese. NNC's parameter names
(OutMaps, KernelShape, Strides, Padding, Dilation, IgnoreBorder, ...) stay as NNC
spells them in both languages."""

from __future__ import annotations

from cnnlab.budget import MESSAGES as BUDGET_MESSAGES
from cnnlab.shapes import MESSAGES as SHAPE_MESSAGES

LANGUAGES = ("en", "ja")

EN: dict[str, str] = {
    "app.title": "cnnlab: see what Convolution and Pooling do",
    "app.intro": (
        "An MNIST digit goes through a **Convolution** layer and a **pooling** layer, as in "
        "Neural Network Console with *Max Epoch 0*: the kernels are freshly initialised random "
        "numbers, nothing is learned. Change a setting in the sidebar and every map is "
        "recomputed at once. Hover any pixel to read its value; click a pixel of a layer's maps "
        "to box it, the window it reads and its receptive field, and see why it has that value "
        "in the *Inspect a pixel* tab."
    ),
    "app.chain": "Network",
    "maps.inspected": ":material/my_location: Inspected (boxed): **{name}**, map {map}, row {row}, column {col} = **{value}**; why: the *Inspect a pixel* tab.",
    "hover.map": "map",
    "hover.kernel": "kernel",
    "hover.channel": "channel",
    "hover.row": "row",
    "hover.column": "column",
    "hover.value": "value",
    "hover.weight": "weight",
    "hover.raw": "raw",
    "hover.click": "click to inspect",
    "cost.CostParameter": "parameters",
    "cost.CostMultiplyAdd": "multiply-adds",
    "cost.CostAdd": "additions",
    "cost.CostMultiply": "multiplications",
    "cost.CostDivision": "divisions",
    "cost.CostExp": "exponentials",
    "cost.CostIf": "comparisons",
    "stats.title": "Network statistics (NNC's, for one image)",
    "stats.layer": "Layer",
    "stats.output": "Output",
    "stats.total": "Total",
    "url.notice": "These URL parameters were not valid, so they were taken out of the link and their defaults are used: {items}.",
    "url.item": "{item} (using {default})",
    "input.header": "Input",
    "input.caption": "MNIST test index {index}, label {label}",
    "input.title": "Input → {shape}",
    "input.explain": "Hover a pixel: the raw 0-255 value and the value the network sees (raw / 255).",
    "pick.label": "Pick the image",
    "pick.help": "By digit: choose a class 0-9 and which example of it. By index: any of the 10,000 test images.",
    "pick.caption.digit": "a class 0-9, then an example",
    "pick.caption.index": "any of 10,000",
    "pick.caption.upload": "your own image",
    "upload.label": "Image file",
    "upload.help": "PNG, JPEG, GIF, BMP, WebP or TIFF, up to 10 MB. A photo of a digit on paper works.",
    "upload.none": "No file yet: showing MNIST test index 4.",
    "upload.caption": "{name}, as the network sees it ({shape})",
    "upload.error": "The upload could not be used: {message} Showing MNIST test index 4 instead; your other settings are kept.",
    "mnist_style.label": "MNIST-style",
    "mnist_style.help": "On: 28x28, white digit on black, centred in a 20x20 box like MNIST. Off: the grayscale image as it is (shrunk to at most 64 pixels a side).",
    "digit.label": "Digit",
    "digit.help": "The digit class (label) of the MNIST test image.",
    "example.label": "Example of that digit",
    "example.help": "0 is the first image of that digit in the test set, 1 the second, and so on.",
    "example.clamped": "Digit {digit} has {count} examples (0-{last}); showing example {last}.",
    "index.label": "Test index",
    "index.help": "Position in the MNIST test set, 0-9999. The blog post's \"4\" is index 4.",
    "more.changed": "{title}: {items}",
    "insp.where": "layer {layer}, map {map}, row {row}, column {col}",
    "out_maps.label": "OutMaps",
    "out_maps.help": "How many output maps (filters). Each map has its own kernel, so each map differs.",
    "kernel_h.label": "KernelShape (height)",
    "kernel_h.help": "Kernel (filter) height: the window that slides over the input.",
    "kernel_w.label": "KernelShape (width)",
    "kernel_w.help": "Kernel (filter) width.",
    "border_mode.label": "BorderMode",
    "border_mode.help": (
        "valid: no padding (the output shrinks). same: pad so a stride-1 output keeps the input size "
        "(odd kernels). full: pad by kernel-1 so every overlap counts. explicit: set Padding yourself."
    ),
    "pad_h.label": "Padding (height)",
    "pad_h.help": "Rows of zeros added above and below the input.",
    "pad_w.label": "Padding (width)",
    "pad_w.help": "Columns of zeros added left and right of the input.",
    "stride_h.label": "Strides (height)",
    "stride_h.help": "How many rows the window moves each step.",
    "stride_w.label": "Strides (width)",
    "stride_w.help": "How many columns the window moves each step.",
    "dilation_h.label": "Dilation (height)",
    "dilation_h.help": "Spacing between kernel rows: 1 is a plain kernel, 2 skips every other row.",
    "dilation_w.label": "Dilation (width)",
    "dilation_w.help": "Spacing between kernel columns.",
    "with_bias.label": "WithBias",
    "with_bias.help": "Add a bias b to every output map. Untrained, b starts at 0.",
    "initializer.label": "W.Initializer",
    "initializer.help": "How the kernel numbers are drawn (NNC's names; Glorot is NNC's default). ClassicFilters (not in NNC): map 0 identity, 1 box blur, 2 Gaussian, 3 sharpen, 4 Sobel x, 5 Sobel y, 6 Prewitt x, 7 Laplacian, 8 emboss, 9 45° edge, then again; 3x3 and 5x5 only.",
    "multiplier.label": "W.InitializerMultiplier",
    "multiplier.help": "Scales the initialiser: sigma (normal), the bound (uniform) or the value (Constant).",
    "seed.label": "Random seed",
    "seed.help": "The same seed always gives the same kernels.",
    "seed.new": "New random weights",
    "seed.new.help": "Draw new kernels (the seed goes up by one).",
    "activation.label": "Activation",
    "activation.help": "An element-wise function on every value of the layer before. The blog post uses none.",
    "alpha.label": "alpha (LeakyReLU)",
    "alpha.help": "LeakyReLU's slope for negative values: y = alpha * x when x < 0.",
    "pooling.label": "Pooling",
    "pooling.help": "MaxPooling keeps each window's largest value; AveragePooling its mean; SumPooling its sum.",
    "pool_kernel_h.label": "KernelShape (height)",
    "pool_kernel_h.help": "Pooling window height.",
    "pool_kernel_w.label": "KernelShape (width)",
    "pool_kernel_w.help": "Pooling window width.",
    "pool_stride_h.label": "Strides (height)",
    "pool_stride_h.help": "How many rows the window moves. Equal to KernelShape: windows do not overlap.",
    "pool_stride_w.label": "Strides (width)",
    "pool_stride_w.help": "How many columns the window moves.",
    "pool_pad_h.label": "Padding (height)",
    "pool_pad_h.help": "Rows added above and below; padding never wins a max. Must be smaller than KernelShape.",
    "pool_pad_w.label": "Padding (width)",
    "pool_pad_w.help": "Columns added left and right. Must be smaller than KernelShape.",
    "ignore_border.label": "IgnoreBorder",
    "ignore_border.help": "On: only whole windows. Off: windows that run past the edge are kept too (nnabla's rule).",
    "including_pad.label": "IncludingPad",
    "including_pad.help": "AveragePooling: count padding cells in the divisor.",
    "display.header": "Display",
    "color_scale.label": "Colour scale",
    "color_scale.help": "Grayscale as NNC shows images, or diverging (blue < 0 < red) centred at 0.",
    "color_scale.caption.gray": "as NNC",
    "color_scale.caption.diverging": "blue < 0 < red",
    "normalization.label": "Normalisation",
    "normalization.help": (
        "layer: one colour range shared by the whole layer (the colour bar shows true values). "
        "map: each map stretched to its own min..max. nnc: value x 255 clipped to 0..255, as NNC shows images."
    ),
    "colorbar.label": "Colour bar",
    "colorbar.help": "Show the colour bar next to each layer.",
    "columns.label": "Grid columns",
    "columns.help": "How many maps per row.",
    "lang.label": "Language",
    "lang.help": "English or Japanese.",
    "kernels.title": "Kernels (weights W) → {shape}",
    "kernels.explain": (
        "{count} kernels of {kh}x{kw}, drawn by {init} with seed {seed}. Max Epoch 0: nothing is "
        "learned, so they are random, and different random kernels give different maps."
    ),
    "stage.title": "{name} → {shape}",
    "stage.size": "Output size {axis}: {arithmetic}",
    "stage.error": "{name} cannot run: {message} The layers before it are shown above.",
    "explain.Convolution": (
        "Each output value = the input patch under the kernel, multiplied element by element "
        "with the kernel and summed (plus the bias). The window moves by Strides. "
        "Why {out_maps} maps? OutMaps is {out_maps}: one map per kernel."
    ),
    "explain.DepthwiseConvolution": (
        "Each input channel has its own {multiplier} kernel(s): output map m = the patch of input channel "
        "m // {multiplier} under kernel m, multiplied element by element and summed (plus the bias)."
    ),
    "explain.Deconvolution": (
        "A transposed convolution: every input value, times its kernel, is added into the output around "
        "its place (Strides apart), then Padding is cut from each side. It makes maps larger."
    ),
    "explain.MaxPooling": "Each output value is the largest value in its window: the strongest response nearby.",
    "explain.AveragePooling": "Each output value is the mean of its window.",
    "explain.SumPooling": "Each output value is the sum of its window.",
    "explain.ReLU": "{kind} is applied to every value; the shape does not change.",
    "explain.LeakyReLU": "{kind} is applied to every value; the shape does not change.",
    "explain.Tanh": "{kind} is applied to every value; the shape does not change.",
    "explain.Sigmoid": "{kind} is applied to every value; the shape does not change.",
    "explain.Identity": "{kind} is applied to every value; the shape does not change.",
    "tab.maps": "Maps",
    "tab.learn": "Learn",
    "tab.inspect": "Inspect a pixel",
    "insp.header": "Inspect a pixel",
    "insp_layer.label": "Layer",
    "insp_layer.help": "Which layer's output to explain.",
    "insp_map.label": "Map",
    "insp_map.help": "Output map (channel) number, from 0.",
    "insp_row.label": "Row",
    "insp_row.help": "Row in the map, from 0 at the top. Clicking a cell of the enlarged map sets it too.",
    "insp_col.label": "Column",
    "insp_col.help": "Column in the map, from 0 at the left.",
    "insp.clamped": "{name} {value} is outside this layer (0-{last}); showing {last}.",
    "insp.layer_missing": "The link asks to inspect layer {asked}, but this network's layers that can be inspected end at {last}; inspecting layer {layer}.",
    "insp.click": "{name}, map {map}, enlarged: click a cell to inspect it (or use the controls above).",
    "insp.title": "**{name}**, map {map}, row {row}, column {col} = **{value}**",
    "insp.activation": "{name}(x) = {formula}: {name}({x}) = **{y}**",
    "insp.field": "Receptive field: {count} input pixels can change this value (tinted on the input).",
    "insp.conv.window": "The kernel reads input rows {rows} and columns {cols} (outside the input: padding, 0).",
    "insp.channel": "Input channel {channel}",
    "insp.patch": "input patch",
    "insp.kernel": "kernel of map {map}",
    "insp.products": "patch x kernel",
    "insp.window": "window",
    "insp.more_channels": "...and {count} more channels, summed below.",
    "insp.conv.total": "Sum of the products (plus the bias) = the value in the map: {line}",
    "insp.pool.window": "The window covers rows {rows} and columns {cols} of the map before (blank: padding or past the border).",
    "insp.pool.MaxPooling": "The largest value in the window wins (boxed); padding never wins.",
    "insp.pool.AveragePooling": "The mean: the sum divided by {divisor}.",
    "insp.pool.SumPooling": "The sum of the window.",
    "learn.intro": "The blog post's two worked examples, step by step. The output size of every layer follows one rule:",
    "learn.prev": "Previous position",
    "learn.next": "Next position",
    "learn.position": "Output position",
    "learn.single": "The output has a single position.",
    "learn.size": "Output size: {arithmetic}",
    "learn.conv.title": "Convolution: a 7x7 input and a 3x3 kernel",
    "learn.conv.intro": (
        "Multiply the patch under the kernel element by element with the kernel and add it all up: "
        "that is one output value. Then slide by Strides. With the defaults the first value is 84."
    ),
    "learn.input": "input {size}, Padding {pad} (window boxed)",
    "learn.kernel": "kernel",
    "learn.output": "output {shape} (filled so far)",
    "learn.pool.title": "MaxPooling: an 8x8 sample, KernelShape 2,2, Strides 2,2",
    "learn.pool.intro": "Keep only the largest number of each window: 1, 2, 7, 8 gives 8. Strides equal to KernelShape: windows do not overlap, and the size halves.",
    "learn.sample": "sample 8x8 (window boxed)",
    "net.header": "Network",
    "net.preset.blog": "Blog post",
    "net.preset.blog.help": "Convolution (16, 5x5) -> MaxPooling (2x2): the blog post's network.",
    "net.preset.lenet": "LeNet-like",
    "net.preset.lenet.help": "Convolution 16 5x5 -> ReLU -> MaxPooling 2 -> Convolution 8 5x5 -> ReLU -> MaxPooling 2.",
    "net.preset.allconv": "All-conv",
    "net.preset.allconv.help": "Strided convolutions instead of pooling, a global average at the end.",
    "net.preset.separable": "Separable",
    "net.preset.separable.help": "Convolution 16 3x3 → ReLU → DepthwiseConvolution 3x3 (one kernel per channel) → Convolution 16 1x1 (mixes the channels) → ReLU → MaxPooling 2, as in MobileNet.",
    "net.preset.updown": "Down and up",
    "net.preset.updown.help": "A strided Convolution halves the digit to 14x14, a Deconvolution brings it back to 28x28.",
    "net.preset.classic": "Classic filters",
    "net.preset.classic.help": "One Convolution whose 10 kernels are the classic filters (W.Initializer ClassicFilters): identity, box blur, Gaussian, sharpen, Sobel x, Sobel y, Prewitt x, Laplacian, emboss, 45° edge.",
    "net.label": "The network as text",
    "net.help": (
        "Every layer, joined by _: {grammar}. "
        "Type or paste a whole network; the editors below and the link follow it. E.g. conv-16-5x5_relu_max-2x2."
    ),
    "net.error": "The network text is not understood, so the last one that was is shown: {message}",
    "net.add": "Add a layer",
    "net.add.placeholder": "Choose a layer to add at the end",
    "layer.more": "More settings",
    "group.label": "Group",
    "group.help": "Split the input maps and the output maps into this many groups; each output map sees its group's input maps only. Must divide both.",
    "dw_multiplier.label": "Multiplier",
    "dw_multiplier.help": "Output maps per input map: each input map gets this many kernels of its own.",
    "net.add.help": "The layer is added at the end with common settings; open it to change them. At most {most} layers.",
    "net.up.help": "Move this layer one place earlier.",
    "net.down.help": "Move this layer one place later.",
    "net.delete.help": "Remove this layer.",
    "train.header": "Training",
    "max_epoch.label": "Max Epoch",
    "max_epoch.help": "0 is the blog post's untrained view. Above 0, the network plus an Affine(10) + Softmax classifier is trained on MNIST training images (Adam) and the Trained tab compares.",
    "train_images.label": "Training images",
    "train_images.help": "How many of the 20,000 shipped MNIST training images to train on.",
    "train.disabled": "Max Epoch 0: nothing is trained (as in the blog post).",
    "tab.trained": "Trained",
    "trained.off": "Set Max Epoch above 0 in the sidebar to train this network and compare its maps with the untrained ones.",
    "trained.broken": "The network has a layer that cannot run; fix it before training.",
    "trained.failed": "The training stopped with an error (the server's log has the details); the rest of the page is not affected. Try again, or with a smaller network.",
    "trained.waiting": "Another visitor's training is running on this server; yours starts as soon as it ends (one training at a time keeps the app quick for everyone).",
    "trained.progress": "Training: epoch {epoch}/{epochs}, batch {batch}/{batches}, loss {loss:.3f}, accuracy {accuracy:.1%}",
    "trained.summary": "Trained for {epochs} epoch(s) on {images:,} images in {seconds:.1f} s: **test accuracy {accuracy:.2%}** on the 10,000 test images.",
    "trained.cached": "Trained for {epochs} epoch(s) on {images:,} images (cached): **test accuracy {accuracy:.2%}** on the 10,000 test images.",
    "trained.prediction": "Prediction for this input: **{digit}** ({probability:.1%})",
    "trained.untrained": "Untrained (Max Epoch 0)",
    "trained.trained": "Trained (Max Epoch {epochs})",
    "trained.kernels": "Kernels of {name} {index}",
    "trained.classic": "Closest classic filter of each kernel (normalised correlation, 1 = the same pattern): {items}",
    "classic.identity": "identity",
    "classic.box blur": "box blur",
    "classic.Gaussian": "Gaussian",
    "classic.sharpen": "sharpen",
    "classic.Sobel x": "Sobel x",
    "classic.Sobel y": "Sobel y",
    "classic.Prewitt x": "Prewitt x",
    "classic.Laplacian": "Laplacian",
    "classic.emboss": "emboss",
    "classic.45° edge": "45° edge",
    "trained.maps": "{name} {index} → {shape}",
}

JA: dict[str, str] = {
    "app.title": "cnnlab: Convolution と Pooling の働きを目で見る",
    "app.intro": (
        "MNIST の数字を **Convolution** 層と **Pooling** 層に通します。Neural Network Console の "
        "*Max Epoch 0* と同じく、カーネルは初期化されたばかりの乱数で、何も学習していません。"
        "サイドバーで設定を変えると、すべてのマップがすぐに計算し直されます。"
        "ピクセルにカーソルを合わせると値が表示されます。層のマップのピクセルをクリックすると、"
        "そのピクセルと読み取る窓、受容野に枠が付き、その値になる理由を「ピクセルを調べる」タブで確認できます。"
    ),
    "app.chain": "ネットワーク",
    "maps.inspected": ":material/my_location: 調べているピクセル（枠）: **{name}**、マップ {map}、行 {row}、列 {col} = **{value}**。理由は「ピクセルを調べる」タブへ。",
    "hover.map": "マップ",
    "hover.kernel": "カーネル",
    "hover.channel": "チャネル",
    "hover.row": "行",
    "hover.column": "列",
    "hover.value": "値",
    "hover.weight": "重み",
    "hover.raw": "元の値",
    "hover.click": "クリックで調べる",
    "cost.CostParameter": "パラメータ",
    "cost.CostMultiplyAdd": "積和",
    "cost.CostAdd": "加算",
    "cost.CostMultiply": "乗算",
    "cost.CostDivision": "除算",
    "cost.CostExp": "指数関数",
    "cost.CostIf": "比較",
    "stats.title": "ネットワークの統計（NNC と同じ数え方、画像 1 枚あたり）",
    "stats.layer": "層",
    "stats.output": "出力",
    "stats.total": "合計",
    "shape.kernel_fit": "KernelShape {kh}x{kw}{dilated} が {h}x{w} の入力に収まりません（Padding {pad} の後、パディング込みの入力は {ph}x{pw}）。",
    "shape.pool_fit": "Pooling の KernelShape {kh}x{kw} が {h}x{w} の入力に収まりません（Padding {pad} の後）。カーネルを小さくするか IgnoreBorder をオフにしてください。",
    "shape.pool_padding": "Padding {pad} は Pooling の KernelShape {kh}x{kw} より小さくなければなりません（でないとパディングだけの窓ができます）。",
    "shape.group": "Group {group} は入力チャネル数（{channels}）と OutMaps（{out_maps}）の両方を割り切れなければなりません。",
    "shape.deconv_crop": "Padding {pad} が {h}x{w} の入力の広がりより多く切り取ります: 出力は {ho}x{wo} になってしまいます。",
    "shape.classic_shape": "ClassicFilters は 3x3 と 5x5 のカーネルだけです（今は {kh}x{kw}）。KernelShape を 3 か 5 にするか、別の W.Initializer を選んでください。",
    "budget.input": "入力の値は {values:,} 個です。1 ページに表示できるのは {limit:,} 個までです。",
    "budget.work": (
        "層 {index}（{kind}）でこのアプリの計算量の上限を超えます: ここまでのネットワークは画像 1 枚あたり "
        "{work_millions:,} 百万回の計算（{unit}。この層 {layer_millions:,} 百万回）が必要で、上限は {limit_millions:,} 百万回です。"
        "OutMaps を減らす、KernelShape を小さくする、Padding を減らす、Strides を大きくする、のいずれかをしてください。"
    ),
    "budget.values": (
        "層 {index}（{kind}）で表示できる値の上限を超えます: ここまでのネットワークの値は {values:,} 個"
        "（マップと重み。この層 {layer_values:,} 個）で、上限は {limit:,} 個です。"
        "OutMaps を減らす、Padding を減らす、Strides を大きくする、のいずれかをしてください。"
    ),
    "budget.training_time": (
        "この学習はアプリの上限を超えます: {images:,} 枚 x {epochs} エポックはこのサーバーで約 {seconds:,} 秒かかります"
        "（上限 {limit} 秒）。Max Epoch か学習画像の数を減らすか、ネットワークを小さくしてください。"
    ),
    "budget.training_memory": (
        "このネットワークはここでは学習できない大きさです: {batch} 枚のバッチ 1 つが逆伝播のために {megabytes:,} MB を使います"
        "（上限 {limit:,} MB）。OutMaps を減らすか KernelShape を小さくしてください。"
    ),
    "url.notice": "次の URL パラメータは無効だったため、リンクから外して既定値を使っています: {items}。",
    "url.item": "{item}（{default} を使用）",
    "input.header": "入力",
    "input.caption": "MNIST テスト番号 {index}、ラベル {label}",
    "input.title": "Input → {shape}",
    "input.explain": "ピクセルにカーソルを合わせると、元の 0〜255 の値と、ネットワークが受け取る値（元の値 / 255）が表示されます。",
    "pick.label": "画像の選び方",
    "pick.help": "数字で選ぶ: 0〜9 のクラスと、その何番目の例かを選びます。番号で選ぶ: 10,000 枚のテスト画像のどれでも選べます。",
    "pick.caption.digit": "0〜9 のクラスと例",
    "pick.caption.index": "10,000 枚のどれか",
    "pick.caption.upload": "自分の画像",
    "upload.label": "画像ファイル",
    "upload.help": "PNG、JPEG、GIF、BMP、WebP、TIFF（10 MB まで）。紙に書いた数字の写真でも使えます。",
    "upload.none": "まだファイルがありません: MNIST テスト番号 4 を表示しています。",
    "upload.caption": "{name}（ネットワークへの入力 {shape}）",
    "upload.error": "アップロードした画像は使えませんでした: {message} 代わりに MNIST テスト番号 4 を表示しています。ほかの設定はそのままです。",
    "mnist_style.label": "MNIST 風",
    "mnist_style.help": "オン: MNIST と同じく 28x28、黒地に白い数字、20x20 の枠の中央に置きます。オフ: グレースケール画像をそのまま使います（1 辺 64 ピクセルまで縮小）。",
    "digit.label": "数字",
    "digit.help": "MNIST テスト画像の数字（ラベル）。",
    "example.label": "その数字の何番目の例か",
    "example.help": "0 はテストセットでその数字の最初の画像、1 は 2 番目、という意味です。",
    "example.clamped": "数字 {digit} の例は {count} 個（0〜{last}）です。例 {last} を表示しています。",
    "index.label": "テスト番号",
    "index.help": "MNIST テストセット内の位置（0〜9999）。ブログ記事の「4」は番号 4 です。",
    "more.changed": "{title}: {items}",
    "insp.where": "層 {layer}、マップ {map}、行 {row}、列 {col}",
    "out_maps.label": "OutMaps",
    "out_maps.help": "出力マップ（フィルター）の数。マップごとにカーネルが違うので、マップもそれぞれ違います。",
    "kernel_h.label": "KernelShape（高さ）",
    "kernel_h.help": "カーネル（フィルター）の高さ。入力の上をずれていく窓です。",
    "kernel_w.label": "KernelShape（幅）",
    "kernel_w.help": "カーネル（フィルター）の幅。",
    "border_mode.label": "BorderMode",
    "border_mode.help": (
        "valid: パディングなし（出力は小さくなる）。same: Strides 1 で入力と同じ大きさになるように"
        "パディング（奇数のカーネル）。full: カーネル−1 だけパディング。explicit: Padding を自分で設定。"
    ),
    "pad_h.label": "Padding（高さ）",
    "pad_h.help": "入力の上下に加える 0 の行数。",
    "pad_w.label": "Padding（幅）",
    "pad_w.help": "入力の左右に加える 0 の列数。",
    "stride_h.label": "Strides（高さ）",
    "stride_h.help": "窓が 1 回に縦に動く行数。",
    "stride_w.label": "Strides（幅）",
    "stride_w.help": "窓が 1 回に横に動く列数。",
    "dilation_h.label": "Dilation（高さ）",
    "dilation_h.help": "カーネルの行の間隔。1 は普通のカーネル、2 は 1 行おき。",
    "dilation_w.label": "Dilation（幅）",
    "dilation_w.help": "カーネルの列の間隔。",
    "with_bias.label": "WithBias",
    "with_bias.help": "各出力マップにバイアス b を足します。学習前の b は 0 です。",
    "initializer.label": "W.Initializer",
    "initializer.help": "カーネルの数値の作り方（NNC の名前。Glorot が NNC の既定値）。ClassicFilters（NNC にはありません）: マップ 0 恒等、1 平均ぼかし、2 ガウシアン、3 シャープ化、4 Sobel x、5 Sobel y、6 Prewitt x、7 ラプラシアン、8 エンボス、9 45° エッジ、以下くり返し。3x3 と 5x5 のみ。",
    "multiplier.label": "W.InitializerMultiplier",
    "multiplier.help": "初期化の倍率: 正規分布なら σ、一様分布なら範囲、Constant なら値に掛かります。",
    "seed.label": "乱数のシード",
    "seed.help": "同じシードなら、いつも同じカーネルになります。",
    "seed.new": "新しい乱数の重み",
    "seed.new.help": "新しいカーネルを作ります（シードが 1 増えます）。",
    "activation.label": "活性化関数",
    "activation.help": "前の層の値 1 つ 1 つに掛ける関数。ブログ記事では使っていません。",
    "alpha.label": "alpha（LeakyReLU）",
    "alpha.help": "LeakyReLU の負の側の傾き: x < 0 のとき y = alpha * x。",
    "pooling.label": "Pooling",
    "pooling.help": "MaxPooling は窓の最大値、AveragePooling は平均、SumPooling は合計を残します。",
    "pool_kernel_h.label": "KernelShape（高さ）",
    "pool_kernel_h.help": "Pooling の窓の高さ。",
    "pool_kernel_w.label": "KernelShape（幅）",
    "pool_kernel_w.help": "Pooling の窓の幅。",
    "pool_stride_h.label": "Strides（高さ）",
    "pool_stride_h.help": "窓が縦に動く行数。KernelShape と同じなら窓は重なりません。",
    "pool_stride_w.label": "Strides（幅）",
    "pool_stride_w.help": "窓が横に動く列数。",
    "pool_pad_h.label": "Padding（高さ）",
    "pool_pad_h.help": "上下に加える行数。パディングが最大値になることはありません。KernelShape より小さくします。",
    "pool_pad_w.label": "Padding（幅）",
    "pool_pad_w.help": "左右に加える列数。KernelShape より小さくします。",
    "ignore_border.label": "IgnoreBorder",
    "ignore_border.help": "オン: 完全な窓だけ。オフ: 端からはみ出す窓も残します（nnabla の規則）。",
    "including_pad.label": "IncludingPad",
    "including_pad.help": "AveragePooling: 割る数にパディングのセルも数えます。",
    "display.header": "表示",
    "color_scale.label": "カラースケール",
    "color_scale.help": "NNC と同じグレースケール、または 0 を中心にした発散型（青 < 0 < 赤）。",
    "color_scale.caption.gray": "NNC と同じ",
    "color_scale.caption.diverging": "青 < 0 < 赤",
    "normalization.label": "正規化",
    "normalization.help": (
        "layer: 層全体で 1 つの色の範囲（カラーバーは本当の値）。map: 各マップを最小〜最大に伸ばす。"
        "nnc: NNC の画像表示と同じく、値 × 255 を 0〜255 に切り詰める。"
    ),
    "colorbar.label": "カラーバー",
    "colorbar.help": "各層の横にカラーバーを表示します。",
    "columns.label": "列の数",
    "columns.help": "1 行に並べるマップの数。",
    "lang.label": "言語",
    "lang.help": "英語または日本語。",
    "kernels.title": "カーネル（重み W） → {shape}",
    "kernels.explain": (
        "{kh}x{kw} のカーネルが {count} 個。{init} でシード {seed} から作りました。Max Epoch 0 なので"
        "何も学習しておらず乱数のままです。違う乱数のカーネルからは違うマップができます。"
    ),
    "stage.title": "{name} → {shape}",
    "stage.size": "出力サイズ {axis}: {arithmetic}",
    "stage.error": "{name} は計算できません: {message} その前の層は上に表示しています。",
    "explain.Convolution": (
        "出力の値 1 つ = カーネルの下の入力の一部とカーネルを要素ごとに掛けて全部足したもの（＋バイアス）。"
        "窓は Strides ずつずれていきます。"
        "なぜ {out_maps} 枚？ OutMaps が {out_maps} だからです。カーネル 1 つにマップ 1 枚です。"
    ),
    "explain.DepthwiseConvolution": (
        "入力チャネルごとに {multiplier} 個のカーネルがあります: 出力マップ m = 入力チャネル m // {multiplier} の"
        "窓とカーネル m を要素ごとに掛けて足したもの（＋バイアス）。"
    ),
    "explain.Deconvolution": (
        "転置畳み込み: 入力の値 1 つずつにカーネルを掛けて、出力のその位置のまわりに足し込みます（Strides おき）。"
        "最後に Padding の分を両端から切り取ります。マップが大きくなります。"
    ),
    "explain.MaxPooling": "出力の値はそれぞれ、窓の中で一番大きい値です。その領域の特徴を一番強く表す値です。",
    "explain.AveragePooling": "出力の値はそれぞれ、窓の平均です。",
    "explain.SumPooling": "出力の値はそれぞれ、窓の合計です。",
    "explain.ReLU": "{kind} をすべての値に掛けます。形は変わりません。",
    "explain.LeakyReLU": "{kind} をすべての値に掛けます。形は変わりません。",
    "explain.Tanh": "{kind} をすべての値に掛けます。形は変わりません。",
    "explain.Sigmoid": "{kind} をすべての値に掛けます。形は変わりません。",
    "explain.Identity": "{kind} をすべての値に掛けます。形は変わりません。",
    "tab.maps": "マップ",
    "tab.learn": "学ぶ",
    "tab.inspect": "ピクセルを調べる",
    "insp.header": "ピクセルを調べる",
    "insp_layer.label": "層",
    "insp_layer.help": "どの層の出力を説明するか。",
    "insp_map.label": "マップ",
    "insp_map.help": "出力マップ（チャンネル）の番号（0 から）。",
    "insp_row.label": "行",
    "insp_row.help": "マップ内の行（上が 0）。拡大したマップのセルをクリックしても設定できます。",
    "insp_col.label": "列",
    "insp_col.help": "マップ内の列（左が 0）。",
    "insp.clamped": "{name} {value} はこの層の範囲（0〜{last}）の外です。{last} を表示しています。",
    "insp.layer_missing": "リンクは層 {asked} の検査を指定していますが、このネットワークで検査できる層は {last} までです。層 {layer} を検査しています。",
    "insp.click": "{name} のマップ {map} を拡大: セルをクリックすると調べられます（上の入力欄でも選べます）。",
    "insp.title": "**{name}**、マップ {map}、行 {row}、列 {col} = **{value}**",
    "insp.activation": "{name}(x) = {formula}: {name}({x}) = **{y}**",
    "insp.field": "受容野: この値を変えうる入力ピクセルは {count} 個です（入力に色を付けています）。",
    "insp.conv.window": "カーネルが読むのは入力の行 {rows}、列 {cols} です（入力の外はパディングで 0）。",
    "insp.channel": "入力チャンネル {channel}",
    "insp.patch": "入力の一部",
    "insp.kernel": "マップ {map} のカーネル",
    "insp.products": "入力 × カーネル",
    "insp.window": "窓",
    "insp.more_channels": "…ほか {count} チャンネル（下の合計に含みます）。",
    "insp.conv.total": "積の合計（＋バイアス）＝マップの値: {line}",
    "insp.pool.window": "窓は前の層のマップの行 {rows}、列 {cols} です（空欄はパディングか端の外）。",
    "insp.pool.MaxPooling": "窓の中で一番大きい値が残ります（枠で囲んだ値）。パディングが選ばれることはありません。",
    "insp.pool.AveragePooling": "平均: 合計を {divisor} で割ります。",
    "insp.pool.SumPooling": "窓の合計です。",
    "learn.intro": "ブログ記事の 2 つの例を 1 ステップずつ。どの層の出力サイズも 1 つの式で決まります:",
    "learn.prev": "前の位置",
    "learn.next": "次の位置",
    "learn.position": "出力の位置",
    "learn.single": "出力は 1 か所だけです。",
    "learn.size": "出力サイズ: {arithmetic}",
    "learn.conv.title": "Convolution: 7x7 の入力と 3x3 のカーネル",
    "learn.conv.intro": (
        "カーネルの下の入力とカーネルを要素ごとに掛けて全部足すと、出力の値が 1 つ決まります。"
        "それから Strides だけずらします。既定の設定では最初の値は 84 です。"
    ),
    "learn.input": "入力 {size}、Padding {pad}（窓を枠で表示）",
    "learn.kernel": "カーネル",
    "learn.output": "出力 {shape}（ここまでの計算）",
    "learn.pool.title": "MaxPooling: 8x8 のサンプル、KernelShape 2,2、Strides 2,2",
    "learn.pool.intro": "各窓の一番大きい数字だけを残します。1, 2, 7, 8 なら 8 です。Strides を KernelShape と同じにすると窓は重ならず、サイズは半分になります。",
    "learn.sample": "サンプル 8x8（窓を枠で表示）",
    "net.header": "ネットワーク",
    "net.preset.blog": "ブログ記事",
    "net.preset.blog.help": "Convolution（16、5x5）→ MaxPooling（2x2）: ブログ記事のネットワーク。",
    "net.preset.lenet": "LeNet 風",
    "net.preset.lenet.help": "Convolution 16 5x5 → ReLU → MaxPooling 2 → Convolution 8 5x5 → ReLU → MaxPooling 2。",
    "net.preset.allconv": "全畳み込み",
    "net.preset.allconv.help": "Pooling の代わりにストライド付きの Convolution、最後に全体の平均。",
    "net.preset.separable": "分離型",
    "net.preset.separable.help": "Convolution 16 3x3 → ReLU → DepthwiseConvolution 3x3（チャネルごとに 1 つのカーネル）→ Convolution 16 1x1（チャネルを混ぜる）→ ReLU → MaxPooling 2。MobileNet と同じ形です。",
    "net.preset.updown": "縮めて戻す",
    "net.preset.updown.help": "ストライド付きの Convolution で数字を 14x14 に縮め、Deconvolution で 28x28 に戻します。",
    "net.preset.classic": "古典的なフィルター",
    "net.preset.classic.help": "10 枚のカーネルが古典的なフィルター（W.Initializer ClassicFilters）の Convolution 1 層: 恒等、平均ぼかし、ガウシアン、シャープ化、Sobel x、Sobel y、Prewitt x、ラプラシアン、エンボス、45° エッジ。",
    "net.label": "ネットワーク（テキスト）",
    "net.help": (
        "すべての層を _ でつなぎます: {grammar}。"
        "ネットワーク全体を入力・貼り付けできます。下の編集欄とリンクもこれに従います。例: conv-16-5x5_relu_max-2x2"
    ),
    "net.error": "ネットワークのテキストを読み取れないため、最後に読み取れたものを表示しています: {message}",
    "net.add": "層を追加",
    "net.add.placeholder": "最後に追加する層を選ぶ",
    "layer.more": "その他の設定",
    "group.label": "Group",
    "group.help": "入力マップと出力マップをこの数のグループに分けます。各出力マップは自分のグループの入力マップだけを見ます。両方を割り切る数にしてください。",
    "dw_multiplier.label": "Multiplier",
    "dw_multiplier.help": "入力マップ 1 枚あたりの出力マップ数。入力マップごとに自分のカーネルをこの数だけ持ちます。",
    "net.add.help": "よく使う設定で最後に追加します。開いて設定を変えられます。最大 {most} 層です。",
    "net.up.help": "この層を 1 つ前へ移します。",
    "net.down.help": "この層を 1 つ後ろへ移します。",
    "net.delete.help": "この層を削除します。",
    "train.header": "学習",
    "max_epoch.label": "Max Epoch",
    "max_epoch.help": "0 はブログ記事と同じ学習前の表示です。1 以上にすると、ネットワークに Affine(10) + Softmax の分類器を付けて MNIST の学習画像で学習し（Adam）、「学習後」タブで比べます。",
    "train_images.label": "学習画像の数",
    "train_images.help": "同梱の 20,000 枚の MNIST 学習画像のうち、何枚で学習するか。",
    "train.disabled": "Max Epoch 0: 何も学習しません（ブログ記事と同じ）。",
    "tab.trained": "学習後",
    "trained.off": "サイドバーで Max Epoch を 1 以上にすると、このネットワークを学習して学習前のマップと比べられます。",
    "trained.broken": "計算できない層があります。学習の前に直してください。",
    "trained.failed": "学習がエラーで止まりました（詳細はサーバーのログにあります）。ページのほかの部分には影響しません。もう一度試すか、ネットワークを小さくしてください。",
    "trained.waiting": "このサーバーで別の人の学習が実行中です。終わりしだい、あなたの学習が始まります（学習は一度に一つずつ: 全員のアプリを速く保つため）。",
    "trained.progress": "学習中: エポック {epoch}/{epochs}、バッチ {batch}/{batches}、損失 {loss:.3f}、正解率 {accuracy:.1%}",
    "trained.summary": "{images:,} 枚で {epochs} エポック学習しました（{seconds:.1f} 秒）: 10,000 枚のテスト画像で **正解率 {accuracy:.2%}**。",
    "trained.cached": "{images:,} 枚で {epochs} エポック学習済み（キャッシュ）: 10,000 枚のテスト画像で **正解率 {accuracy:.2%}**。",
    "trained.prediction": "この入力の予測: **{digit}**（{probability:.1%}）",
    "trained.untrained": "学習前（Max Epoch 0）",
    "trained.trained": "学習後（Max Epoch {epochs}）",
    "trained.kernels": "{name} {index} のカーネル",
    "trained.classic": "各カーネルに最も近い古典的なフィルター（正規化相関。1 なら同じ模様）: {items}",
    "classic.identity": "恒等",
    "classic.box blur": "平均ぼかし",
    "classic.Gaussian": "ガウシアン",
    "classic.sharpen": "シャープ化",
    "classic.Sobel x": "Sobel x",
    "classic.Sobel y": "Sobel y",
    "classic.Prewitt x": "Prewitt x",
    "classic.Laplacian": "ラプラシアン",
    "classic.emboss": "エンボス",
    "classic.45° edge": "45° エッジ",
    "trained.maps": "{name} {index} → {shape}",
}

EN.update({f"budget.{key}": message for key, message in BUDGET_MESSAGES.items()})  # the engine's own English
EN.update({f"shape.{key}": message for key, message in SHAPE_MESSAGES.items()})
CATALOGUE: dict[str, dict[str, str]] = {"en": EN, "ja": JA}


class Text:
    """Looks strings up in one language: tx("key", name=value) formats the entry."""

    def __init__(self, lang: str = "en") -> None:
        self.lang = lang if lang in CATALOGUE else "en"
        self.entries = CATALOGUE[self.lang]

    def __call__(self, key: str, /, **fmt: object) -> str:
        text = self.entries.get(key) or EN[key]
        return text.format(**fmt) if fmt else text

    def refusal(self, key: str, fields: dict) -> str:
        """A common refusal from the engine (a LayerShapeError's or BudgetError's detail:
        catalogue key and fields) in this language."""
        return self(key, **fields)


HOVER_WORDS = ("map", "kernel", "channel", "row", "column", "value", "weight", "raw", "click")


def hover_words(tx: Text) -> dict[str, str]:
    """The words the heatmaps' hover labels use, in tx's language."""
    return {word: tx(f"hover.{word}") for word in HOVER_WORDS}


def browser_language(locale: str | None) -> str:
    """'ja' for a Japanese browser locale ('ja', 'ja-JP'), else 'en'."""
    return "ja" if (locale or "").lower().startswith("ja") else "en"
