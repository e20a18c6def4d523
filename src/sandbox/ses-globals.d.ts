// Globals SES installs in the worker's start compartment.
import type {} from 'ses';

declare global {
  /** Privileged in the start compartment: the stack of an error even under errorTaming 'safe'. */
  var getStackString: ((error: unknown) => string) | undefined;
}
