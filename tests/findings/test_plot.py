from notelab.findings._plot import PALETTE, band, finish, log_log, new_axes


def test_log_axes_have_plain_tick_labels():
    figure, axes = new_axes()
    axes.plot([1, 10, 100, 1000], [0.5, 0.05, 0.005, 0.0005])
    log_log(axes, xlabel="x", ylabel="y", title="t")
    figure.canvas.draw()
    labels = {t.get_text() for t in axes.get_xticklabels() if t.get_text()}
    assert {"1", "10", "100", "1,000"} <= labels
    assert {"0.001", "0.01", "0.1"} <= {t.get_text() for t in axes.get_yticklabels()}


def test_finish_reaches_axes_drawn_elsewhere():
    from matplotlib.figure import Figure

    figure = Figure()
    axes = figure.add_subplot()
    axes.plot([1, 100], [1, 2])
    axes.set_xscale("log")
    figure.canvas.draw()
    assert "10^" in "".join(t.get_text() for t in axes.get_xticklabels()).replace("{", "^")
    finish(figure)
    figure.canvas.draw()
    assert {"1", "10", "100"} <= {t.get_text() for t in axes.get_xticklabels()}


def test_one_palette_and_bands():
    _, axes = new_axes()
    (line,) = axes.plot([0, 1], [0, 1])
    band(axes, [0, 1], [0, 0.5], [1, 1.5], label="interval")
    assert line.get_color() == PALETTE[0]
    assert len(axes.collections) == 1


def test_a_short_log_axis_still_has_labelled_ticks():
    _, axes = new_axes()
    axes.plot([16, 32, 64, 128, 256], [0.11, 0.077, 0.055, 0.036, 0.027])
    log_log(axes, xlabel="k", ylabel="error", title="t")
    axes.figure.canvas.draw()
    assert {"20", "50", "100", "200"} <= {t.get_text() for t in axes.get_xticklabels()}
    assert {"0.05", "0.1"} <= {t.get_text() for t in axes.get_yticklabels()}
