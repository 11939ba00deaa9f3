"""Interactive latent-space explorer: sliders choose a latent point, the decoder draws it.

In JupyterLab the explorer is a live ipywidgets panel. The same display output also
carries a static view (the starting point's figure and a note), shown wherever no widget
frontend runs: nbval, nbconvert HTML, GitHub, and RISE slideshows, whose page cannot load
the ipywidgets manager (jupyterlab-contrib/rise#119). JupyterLab prefers the widget to the
HTML and the HTML to the bare PNG.
"""

import base64
import io

import matplotlib.pyplot as plt
import numpy as np

from course_lib.plotting import category_colours


def _decode_one(decoder, z):
    """Decode a single latent point with a Keras decoder (or any callable) to a NumPy image."""
    out = decoder(np.asarray(z, dtype="float32")[None, :])
    try:
        import keras

        out = keras.ops.convert_to_numpy(out)
    except Exception:  # a plain NumPy callable
        pass
    return np.asarray(out)[0]


def explorer_figure(decoder, z, background=None, labels=None, limit=3.0, side=28):
    """Static view: the latent point on a 2-D scatter (dims 1-2) and its decoded image."""
    z = np.asarray(z, dtype="float32")
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.5, 4.3),
                                      gridspec_kw={"width_ratios": [1.25, 1]})
    if background is not None:
        background = np.asarray(background)
        palette = np.array(category_colours(10))  # digits 0-9
        colours = None if labels is None else palette[np.asarray(labels) % 10]
        left.scatter(background[:, 0], background[:, 1], s=2, c=colours, alpha=0.4)
        if labels is not None:  # name each class at its median position
            labels = np.asarray(labels)
            for label in np.unique(labels):
                x, y = np.median(background[labels == label, :2], axis=0)
                left.text(x, y, str(label), fontsize=15, weight="bold", ha="center",
                          va="center", color=palette[int(label) % 10],
                          bbox=dict(boxstyle="round,pad=0.1", fc="white", alpha=0.7, lw=0))
    left.plot(z[0], z[1], marker="X", ms=16, color="black", mec="white", mew=1.5)
    left.set_xlim(-limit, limit)
    left.set_ylim(-limit, limit)
    left.set_aspect("equal")
    left.set_xlabel("$z_1$")
    left.set_ylabel("$z_2$")
    left.set_title("latent point")
    image = _decode_one(decoder, z)
    right.imshow(image.reshape(side, side), cmap="gray_r", vmin=0, vmax=1)
    right.axis("off")
    right.set_title("z = (" + ", ".join(f"{v:.2f}" for v in z) + ")", fontsize=12)
    fig.tight_layout()
    return fig


def _png(fig):
    """PNG bytes of a figure, which is then closed (so it is not displayed twice)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


STATIC_NOTE = ("Static view of the latent explorer: open the notebook view of JupyterLab "
               "(not the slideshow) to move the sliders.")


class _WithFallback:
    """Display object: the live widget, plus a PNG for frontends without widget support."""

    def __init__(self, widget, png):
        self.widget, self.png = widget, png

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        png = base64.b64encode(self.png).decode("ascii")
        bundle["image/png"] = png
        bundle["text/html"] = (f'<img src="data:image/png;base64,{png}" alt="latent explorer">'
                               f'<p class="static-explorer-note">{STATIC_NOTE}</p>')
        bundle["text/plain"] = f"Latent explorer: {STATIC_NOTE}"
        return bundle


def latent_explorer(decoder, latent_dim=2, start=None, background=None, labels=None,
                    limit=3.0, side=28, interactive=True):
    """Sliders for each latent dimension that decode the chosen point (static figure fallback).

    ``decoder`` maps (n, latent_dim) points to flattened images; ``background`` (optional)
    gives 2-D latent means, coloured by ``labels``, to show where the data sit.
    """
    start = np.zeros(latent_dim, dtype="float32") if start is None else np.asarray(start)
    static = _png(explorer_figure(decoder, start, background, labels, limit, side))
    try:
        if not interactive:
            raise ImportError
        import ipywidgets as widgets
        from IPython import get_ipython

        if get_ipython() is None or not hasattr(get_ipython(), "kernel"):
            raise ImportError
    except ImportError:
        from IPython.display import Image

        return Image(data=static, format="png")

    sliders = [widgets.FloatSlider(value=float(v), min=-limit, max=limit, step=0.05,
                                   description=f"z{i + 1}", continuous_update=False)
               for i, v in enumerate(start)]
    image = widgets.Image(value=static, format="png")

    def redraw(_=None):
        z = np.array([s.value for s in sliders], dtype="float32")
        image.value = _png(explorer_figure(decoder, z, background, labels, limit, side))

    for slider in sliders:
        slider.observe(redraw, names="value")
    panel = widgets.VBox([widgets.HBox(sliders[:4]), *[widgets.HBox(sliders[i:i + 4])
                                                       for i in range(4, latent_dim, 4)], image])
    return _WithFallback(panel, static)
