public enum GraftEnginePlaceholder {}
