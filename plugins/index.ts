// The plugins sesame ships. A policy names them with `plugin: <name>`.
import type { AnyPlugin } from '../src/plugin/index.ts';
import clock from './clock/index.ts';
import fs from './fs/index.ts';
import http from './http/index.ts';
import kv from './kv/index.ts';
import random from './random/index.ts';

export const builtinPlugins: readonly AnyPlugin[] = Object.freeze([fs, http, clock, random, kv]);
