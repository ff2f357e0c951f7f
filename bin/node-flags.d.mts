export declare const NODE_FLAGS: readonly string[]
export declare function missingNodeFlags (execArgv?: readonly string[], nodeOptions?: string): string[]
