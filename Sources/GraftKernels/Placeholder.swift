public enum GraftKernelsPlaceholder {}
