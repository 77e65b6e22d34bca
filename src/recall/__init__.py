"""recall: spaced repetition and predict-then-measure quizzes for an ML-systems curriculum."""

__version__ = "0.1.0"
