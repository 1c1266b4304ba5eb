"""The live page's sidebar: Mesa's ModelController (Reset, ▶, Step) and the levers.

The levers are one reactive dict, the keywords of :class:`DashboardModel`; Mesa's controller
builds ``DashboardModel(**levers)`` when Reset is pressed. Every slider shows its value in its
label. The measure card edits one measure at a time (its zones, start month and intensity);
changes to several measures add up until Reset.
"""

from __future__ import annotations

from typing import Any

import solara
from mesa.visualization.solara_viz import ModelController

from ..model import FAR_MEASURE, measure_table
from ..model.calendar import MONTHS_PER_YEAR
from .levers import (
    CASH_POOL_THRESHOLD,
    FAR_CAP,
    MEASURES_LEVER,
    SEED_LEVER,
    THRESHOLD_LEVER,
    DashboardModel,
    decimals,
    describe_setting,
    far_cap_lever,
    intensity_slider,
    measure_ids,
    parameter_slider,
    plan_scenario,
    plan_start,
    plan_zones,
    setting_of,
    with_setting,
    zone_ids,
)

FIRST_MEASURE = "6"  # the measure the card shows first: the cash pool, a planner's first ask
PLAY_INTERVAL = 100  # ms between months while playing (Mesa's SolaraViz default)
# Each slider's label (which carries its value) on a line of its own above the slider, so
# that long labels do not squeeze the slider in the narrow sidebar; zone checkboxes packed.
SIDEBAR_CSS = """
.zonesim-levers .v-slider.v-input--horizontal {
    grid-template-areas: "prepend" "control" "messages";
    grid-template-columns: minmax(0, 1fr);
}
.zonesim-levers .v-slider.v-input--horizontal .v-input__prepend {
    margin-inline-end: 0;
    margin-bottom: 0;
}
.zonesim-levers .v-checkbox .v-input__details {display: none;}
"""


def measure_choice(measure_id: str) -> str:
    """A measure as the measure list shows it: id and title."""
    return f"{measure_id}: {measure_table().at[measure_id, 'title']}"


def slider_label(label: str, value: float, step: float, unit: str = "") -> str:
    """A slider's label with its value, to the step's precision, and unit."""
    text = f"{label}: {value:,.{decimals(step)}f}"
    return f"{text} {unit}" if unit else text


def parameter_label(lever: str) -> str:
    """The words before a parameter lever's value."""
    if lever == THRESHOLD_LEVER:
        return "cash pool threshold"
    zone = lever.removeprefix(far_cap_lever(""))
    return f"FAR cap {zone}" + ("" if zone in plan_zones(FAR_MEASURE) else f" ({FAR_MEASURE} off)")


def parameter_levers() -> dict[str, str]:
    """Lever -> parameter, for the parameter sliders, in sidebar order."""
    levers = {far_cap_lever(z): FAR_CAP.format(z) for z in zone_ids()}
    return levers | {THRESHOLD_LEVER: CASH_POOL_THRESHOLD}


@solara.component
def ParameterSlider(levers: solara.Reactive[dict], lever: str, parameter: str):
    """A float slider over a parameter's table range, its value in the label."""
    spec = parameter_slider(parameter)
    value = levers.value[lever]
    solara.SliderFloat(
        slider_label(parameter_label(lever), value, spec["step"], spec["unit"]),
        value=value,
        min=spec["min"],
        max=spec["max"],
        step=spec["step"],
        on_value=lambda x: levers.set({**levers.value, lever: x}),
    )


@solara.component
def ParameterLevers(levers: solara.Reactive[dict]):
    """The seed and the parameter sliders."""
    solara.InputText(
        "seed",
        value=str(levers.value[SEED_LEVER]),
        on_value=lambda text: levers.set({**levers.value, SEED_LEVER: text}),
    )
    for lever, parameter in parameter_levers().items():
        ParameterSlider(levers, lever, parameter)


@solara.component
def MeasureLevers(levers: solara.Reactive[dict], months: int):
    """Choose a measure; set its zones, start month and promotion intensity."""
    chosen = solara.use_reactive(FIRST_MEASURE)
    mid = chosen.value
    setting = setting_of(levers.value, mid)
    intensity = intensity_slider(mid)

    def change(**values: Any) -> None:
        levers.set(with_setting(levers.value, mid, **values))

    def toggle(zone: str, on: bool) -> None:
        zones = set(setting["zones"])
        change(zones=(zones | {zone}) if on else (zones - {zone}))

    choices = {measure_choice(m): m for m in measure_ids()}
    solara.Select(
        "measure",
        values=list(choices),
        value=measure_choice(mid),
        on_value=lambda choice: chosen.set(choices[choice]),
    )
    with solara.Row(gap="0px", style={"flex-wrap": "wrap"}):
        for zone in zone_ids():
            solara.Checkbox(
                label=zone,
                value=zone in setting["zones"],
                on_value=lambda on, zone=zone: toggle(zone, on),
            )
    start = setting["start_month"]
    solara.SliderInt(
        f"start month: {start} ({plan_start() + start})",
        value=start,
        min=0,
        max=months - 1,
        on_value=lambda m: change(start_month=m),
    )
    solara.SliderFloat(
        slider_label("promotion intensity", setting["intensity"], intensity["step"], "× plan"),
        value=setting["intensity"],
        on_value=lambda x: change(intensity=x),
        **intensity,
    )
    solara.Button(
        "as planned",
        on_click=lambda: change(**setting_of({}, mid)),
        disabled=mid not in levers.value[MEASURES_LEVER],
        text=True,
    )
    changed = [
        describe_setting(m, s, plan_start()) for m, s in levers.value[MEASURES_LEVER].items()
    ]
    solara.Text("Changed from the plan: " + ("; ".join(changed) or "none") + ".")


@solara.component
def LeverPanel(model: solara.Reactive[DashboardModel], levers: solara.Reactive[dict]):
    """The sidebar: Mesa's controller, then the levers (they apply on Reset)."""
    months_per_step = solara.use_reactive(1)
    play_interval = solara.use_reactive(PLAY_INTERVAL)
    threads = solara.use_reactive(False)
    solara.Style(SIDEBAR_CSS)
    with solara.Column(classes=["zonesim-levers"]):
        with solara.Card("Controls"):
            solara.SliderInt(
                f"months per Step: {months_per_step.value}",
                value=months_per_step,
                min=1,
                max=MONTHS_PER_YEAR,  # up to a year
            )
            ModelController(
                model,
                model_parameters=levers,
                play_interval=play_interval,
                render_interval=months_per_step,
                use_threads=threads,
            )
        with solara.Card("Levers (apply on Reset)"):
            ParameterLevers(levers)
        with solara.Card("Measures (apply on Reset)"):
            MeasureLevers(levers, plan_scenario().months)
