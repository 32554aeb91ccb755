// MCEResponse: the error response's contact with the system (mcelog.md §9-14): running
// triggers, offlining pages and CPUs, reading SMBIOS, EDAC and cache topology from sysfs,
// and keeping the accounting state on disk. Decisions live in MachineCheck/Response.
