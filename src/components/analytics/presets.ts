export const PRESETS = [7, 30, 90] as const;
