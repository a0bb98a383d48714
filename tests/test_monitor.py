"""CallMonitor: forbidden reference code is caught however it is reached, and tampering shows."""

from __future__ import annotations

import cProfile
import importlib
import sys
import threading
import types

import numpy as np
import pytest

import course_lib.gradcheck as gradcheck
import course_lib.nn as nn
from course_lib.exercises import monitor as monitor_module
from course_lib.exercises.monitor import CallMonitor

LINEAR = "course_lib.nn.Linear"
BACKWARD = "course_lib.nn.Linear.backward"


@pytest.fixture(autouse=True)
def no_profiler_leaks():
    """Every test starts and ends with no profile function installed."""
    assert sys.getprofile() is None and threading.getprofile() is None
    yield
    leaked = sys.getprofile(), threading.getprofile()
    sys.setprofile(None)
    threading.setprofile(None)
    assert leaked == (None, None)


def case(linear_class=nn.Linear):
    """A float64 layer after its forward pass, and a gradient for its output."""
    layer = linear_class(3, 2, rng=0, dtype=np.float64)
    layer.forward(np.ones((4, 3)))
    return layer, np.full((4, 2), 0.5)


def test_a_direct_call_is_recorded_once_as_the_outermost_call():
    layer, dz = case()
    with CallMonitor([LINEAR]) as m:
        layer.backward(dz)  # calls Linear.backward_params inside: not recorded
        layer.backward(dz)
    assert m.calls == [BACKWARD]
    assert not m.tampered


def test_names_come_out_in_the_order_first_called():
    layer, dz = case()
    with CallMonitor([LINEAR, "course_lib.gradcheck"]) as m:
        gradcheck.relative_error(dz, dz)
        layer.forward(np.ones((4, 3)))
        layer.backward(dz)
        gradcheck.relative_error(dz, dz)
    assert m.calls == [
        "course_lib.gradcheck.relative_error",
        "course_lib.nn.Linear.forward",
        BACKWARD,
    ]


def test_an_alias_is_caught():
    from course_lib.nn import Linear as L

    def linear_backward(dz):
        layer = L(3, 2, rng=0, dtype=np.float64)
        layer.forward(np.ones((4, 3)))
        return layer.backward(dz)

    with CallMonitor([BACKWARD]) as m:
        linear_backward(np.ones((4, 2)))
    assert m.calls == [BACKWARD]


def test_getattr_with_a_computed_name_is_caught():
    layer, dz = case(getattr(nn, "Li" + "near"))
    with CallMonitor([BACKWARD]) as m:
        getattr(layer, "back" + "ward")(dz)
    assert m.calls == [BACKWARD]


@pytest.mark.parametrize(
    "load",
    [
        lambda: importlib.import_module("course_lib.nn"),
        lambda: __import__("course_lib.nn", fromlist=["Linear"]),
        lambda: sys.modules["course_lib.nn"],
    ],
    ids=["import_module", "__import__", "sys.modules"],
)
def test_a_module_loaded_by_name_is_caught(load):
    with CallMonitor([LINEAR]) as m:
        layer, dz = case(load().Linear)
        layer.backward(dz)
    assert m.calls == ["course_lib.nn.Linear.__init__", "course_lib.nn.Linear.forward", BACKWARD]


def test_a_reloaded_module_is_caught_by_its_file():
    saved = dict(nn.__dict__)  # put back the very same objects afterwards, not a reload
    try:
        m = CallMonitor([BACKWARD])
        with m:
            reloaded = importlib.reload(nn)  # new classes, same source file
            assert reloaded.Linear is not saved["Linear"]
            layer, dz = case(reloaded.Linear)
            layer.backward(dz)
        assert m.calls == [BACKWARD]
        with CallMonitor([BACKWARD]) as m:  # reloaded before the monitor is made
            layer.backward(dz)
        assert m.calls == [BACKWARD]
    finally:
        nn.__dict__.clear()
        nn.__dict__.update(saved)
    assert nn.Linear is saved["Linear"]


def test_a_call_inside_a_nested_helper_is_caught():
    layer, dz = case()

    def learner(dz):
        def helper(g):
            return [layer.backward(g)][0]

        return helper(dz)

    with CallMonitor([LINEAR]) as m:
        learner(dz)
    assert m.calls == [BACKWARD]


def test_a_call_from_a_thread_started_inside_is_caught():
    layer, dz = case()

    def learner():
        results = []
        worker = threading.Thread(target=lambda: results.append(layer.backward(dz)))
        worker.start()
        worker.join()
        return results[0]

    with CallMonitor([LINEAR]) as m:
        learner()
    assert m.calls == [BACKWARD]
    assert not m.tampered


def test_a_thread_that_outlives_the_block_is_unhooked():
    layer, dz = case()
    go, done = threading.Event(), threading.Event()
    seen = []

    def late():
        go.wait()
        layer.backward(dz)  # after the block: not recorded; the hook removes itself
        seen.append(sys.getprofile())
        done.set()

    with CallMonitor([LINEAR]) as m:
        worker = threading.Thread(target=late)
        worker.start()
    go.set()
    done.wait(5)
    worker.join()
    assert m.calls == [] and seen == [None]


def test_forbidding_a_method_allows_the_rest_of_its_module():
    layer, dz = case()
    with CallMonitor([BACKWARD]) as m:
        layer.forward(np.ones((4, 3)))
        layer.backward_params(dz)  # not Linear.backward
        nn.Sigmoid().forward(np.zeros((2, 2)))
    assert m.calls == []


def test_reference_code_calling_a_forbidden_method_is_recorded_by_that_method():
    model = nn.Sequential(nn.Linear(3, 2, rng=0, dtype=np.float64), nn.Sigmoid())
    model.forward(np.ones((4, 3)))
    with CallMonitor([BACKWARD]) as m:
        model.backward(np.ones((4, 2)))  # Sequential is allowed; its Linear.backward is not
    assert m.calls == [BACKWARD]


def test_a_monitor_entered_inside_reference_code_still_records():
    x = np.array([1.0])
    layer, dz = case()

    def cost():  # run by gradcheck.numerical_gradient, the forbidden module
        with CallMonitor(["course_lib.gradcheck", LINEAR]) as m:
            layer.backward(dz)
        monitors.append(m)
        return float(x[0])

    monitors = []
    gradcheck.numerical_gradient(cost, x)
    assert [m.calls for m in monitors] == [[BACKWARD], [BACKWARD]]


def test_a_module_spec_covers_its_functions():
    x = np.array([1.0, 2.0])
    with CallMonitor(["course_lib.gradcheck"]) as m:
        grad = gradcheck.numerical_gradient(lambda: float((x**2).sum()), x)
    assert m.calls == ["course_lib.gradcheck.numerical_gradient"]
    np.testing.assert_allclose(grad, [2.0, 4.0])


def test_a_function_spec_in_a_package():
    with CallMonitor(["course_lib.data.load_usps"]) as m:
        pass
    assert m.calls == []
    assert m._targets  # resolved to course_lib/data/__init__.py


def test_calls_outside_the_block_are_not_recorded():
    layer, dz = case()
    m = CallMonitor([LINEAR])
    layer.backward(dz)
    with m:
        pass
    layer.backward(dz)
    assert m.calls == []
    assert sys.getprofile() is None


def test_removing_the_hook_is_tampering():
    layer, dz = case()
    with CallMonitor([LINEAR]) as m:
        sys.setprofile(None)
        layer.backward(dz)
    assert m.tampered
    assert sys.getprofile() is None


@pytest.mark.parametrize(
    "swap",
    [
        lambda hook: sys.setprofile(hook),
        lambda hook: list(map(sys.setprofile, [hook])),  # no Python-level call event
    ],
    ids=["direct", "map"],
)
def test_saving_and_restoring_the_hook_is_tampering(swap):
    layer, dz = case()
    with CallMonitor([LINEAR]) as m:
        saved = sys.getprofile()
        swap(None)
        layer.backward(dz)
        swap(saved)
    assert m.calls == []  # the call was hidden ...
    assert m.tampered  # ... but not the hiding


def test_replacing_sys_setprofile_beforehand_does_not_blind_the_monitor(monkeypatch):
    installed = []  # the learner's stand-ins, set up at the top of the notebook
    monkeypatch.setattr(sys, "setprofile", installed.append)
    monkeypatch.setattr(sys, "getprofile", lambda: installed[-1] if installed else None)
    layer, dz = case()
    with CallMonitor([LINEAR]) as m:
        layer.backward(dz)
    assert m.calls == [BACKWARD] and installed == []


def test_a_function_rebuilt_from_the_reference_code_is_caught():
    layer, dz = case()
    copy = types.FunctionType(nn.Linear.backward.__code__, {"_check_grad": nn._check_grad})
    with CallMonitor([LINEAR]) as m:
        copy(layer, dz)
    assert m.calls == [BACKWARD]


def test_a_monitor_can_be_used_again():
    layer, dz = case()
    m = CallMonitor([LINEAR])
    with m:
        layer.backward(dz)
    with m:
        layer.forward(np.ones((4, 3)))
    assert m.calls == ["course_lib.nn.Linear.forward"]


def test_starting_a_thread_without_the_hook_is_tampering():
    layer, dz = case()
    with CallMonitor([LINEAR]) as m:
        saved = threading.getprofile()
        threading.setprofile(None)
        worker = threading.Thread(target=layer.backward, args=(dz,))
        worker.start()
        worker.join()
        threading.setprofile(saved)
    assert m.calls == [] and m.tampered


def test_the_previous_profile_function_is_restored_and_still_fed():
    events = []

    def profiler(frame, event, arg):
        events.append(event)

    layer, dz = case()
    sys.setprofile(profiler)
    try:
        with CallMonitor([LINEAR]) as m:
            layer.backward(dz)
        restored = sys.getprofile()
    finally:
        sys.setprofile(None)
    assert restored is profiler
    assert "call" in events
    assert m.calls == [BACKWARD] and not m.tampered


def test_cprofile_keeps_running_after_the_block():
    layer, dz = case()
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        before = sys.getprofile()  # the Profile object before 3.12, None after
        with CallMonitor([LINEAR]) as m:
            layer.backward(dz)
        after = sys.getprofile()
    finally:
        profiler.disable()
    assert after is before
    assert m.calls == [BACKWARD] and not m.tampered


def test_nested_monitors_both_see_the_call_and_neither_is_tampered():
    layer, dz = case()
    with CallMonitor([LINEAR]) as outer:
        with CallMonitor(["course_lib.gradcheck"]) as inner:
            layer.backward(dz)
    assert outer.calls == [BACKWARD] and inner.calls == []
    assert not outer.tampered and not inner.tampered


def test_an_exception_propagates_and_the_hook_is_removed():
    layer, dz = case()
    with pytest.raises(ValueError, match="grad_out of shape"):
        with CallMonitor([LINEAR]) as m:
            layer.backward(np.ones((5, 2)))  # the wrong shape: raised inside the reference
    assert m.calls == [BACKWARD]
    assert sys.getprofile() is None and threading.getprofile() is None


def test_no_specs_installs_nothing():
    with CallMonitor([]) as m:
        hook = sys.getprofile()
    assert hook is None and m.calls == [] and not m.tampered


@pytest.mark.parametrize(
    "spec", ["course_lib.nn.Lienar", "no_such_module.f", "course_lib.gradcheck.TOLERANCE"]
)
def test_a_spec_that_does_not_resolve_is_an_error(spec):
    with pytest.raises(ValueError, match="cannot forbid"):
        CallMonitor([spec])


def test_python_310_fallback_finds_the_defining_class(monkeypatch):
    monkeypatch.setattr(monitor_module, "_qualname", monitor_module._qualname_from_locals)
    layer, dz = case()
    with CallMonitor([LINEAR, "course_lib.nn.Sigmoid"]) as m:
        layer.backward(dz)
        nn.Sigmoid().forward(np.zeros((2, 2)))  # Activation.forward, calling Sigmoid.sigma
    # Activation.__init__ and Activation.forward are not Sigmoid's; Sigmoid.sigma is
    assert m.calls == [BACKWARD, "course_lib.nn.Sigmoid.sigma"]

    class Base:
        def method(self):
            return sys._getframe()

    class Child(Base):
        pass

    frame = Child().method()
    assert monitor_module._qualname_from_locals(frame) == Base.method.__qualname__


# ----- issue 19: nothing is trusted; the grader's stand-ins run in the grader's process -----


def test_a_wrapper_around_forbidden_code_is_recorded_whoever_made_it():
    """The monitor has no notion of trusted code any more: the grader's stand-ins for
    earlier exercises run in the grader's process (process/worker.py sends their arguments
    as data), so whatever runs in the learner's process and reaches forbidden code counts."""

    def substitute(*args):
        return _reference_backward(*args)

    monitor = CallMonitor([LINEAR])
    layer, grad = case()
    with monitor:
        substitute(layer, grad)
    assert monitor.calls == [BACKWARD]


def _reference_backward(layer, grad):
    return layer.backward(grad)
