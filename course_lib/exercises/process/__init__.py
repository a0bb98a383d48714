"""The learner's process: a notebook read once (:mod:`.notebook`), a worker process that
runs its cells (:mod:`.worker`, inside; :mod:`.channel`, the grader's end of the pipes),
and a session that runs a whole notebook and judges its functions (:mod:`.session`).

Nothing here knows the course's exercises (they come in as an ``Assignment``) or the
sandbox (it comes in as a :class:`.channel.Launcher`).
"""
