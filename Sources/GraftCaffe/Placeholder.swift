public enum GraftCaffePlaceholder {}
