// A first tool script: the body of an async function. `input` is the task input.
const name = input?.name ?? 'world';
console.log(`greeting ${name}`);
return { greeting: `hello, ${name}`, length: name.length };
