/* kinds.h — the registry of component kinds: one line per kind, in the order
 * component_kind_find searches and messages list them. A new kind is its file
 * (models/<kind>.c, defining `const component_kind <kind>_kind`) and one line here;
 * models/world.c declares and lists what this file names. No include guard: world.c
 * includes it twice with different definitions of KIND. */
KIND(function_kind)
KIND(queue_kind)
KIND(topic_kind)
KIND(bus_kind)
KIND(schedule_kind)
KIND(stream_kind)
KIND(bucket_kind)
KIND(service_kind)
KIND(pool_kind)
KIND(workflow_kind)
KIND(container_kind)
KIND(vm_kind)
