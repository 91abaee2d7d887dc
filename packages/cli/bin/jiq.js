#!/usr/bin/env node
// Committed shim so npm links the `jiq` bin at install time, before `prepare` builds dist/.
require('../dist/bin.js');
