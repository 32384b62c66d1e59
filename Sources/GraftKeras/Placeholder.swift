public enum GraftKerasPlaceholder {}
