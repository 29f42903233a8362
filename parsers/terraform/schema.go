package terraform

// Resource types read, with the attributes and nested blocks each rule needs. count and
// for_each are added to every one: a resource with count = 0 does not exist.
var resourceSchemas = map[string]*schema{}

func init() {
	// An autoscaling group's traffic_source: identifier is the target group ARN (type
	// elbv2) or the classic ELB's name (type elb).
	trafficSource := &schema{attrs: []string{"identifier", "type"}}
	action := &schema{
		attrs: []string{"type", "target_group_arn"},
		blocks: map[string]*schema{
			"forward": {blocks: map[string]*schema{
				"target_group": {attrs: []string{"arn", "weight"}},
			}},
			"fixed_response": {attrs: []string{"status_code", "content_type"}},
			"redirect":       {attrs: []string{"status_code"}},
		},
	}
	lb := &schema{attrs: []string{"name", "idle_timeout", "load_balancer_type", "internal"}}
	tg := &schema{
		attrs: []string{"name", "port", "protocol", "protocol_version", "target_type", "deregistration_delay", "connection_termination", "vpc_id"},
		blocks: map[string]*schema{
			"health_check": {attrs: []string{"enabled", "interval", "path", "port", "protocol", "timeout", "healthy_threshold", "unhealthy_threshold", "matcher"}},
		},
	}
	listener := &schema{
		attrs:  []string{"load_balancer_arn", "port", "protocol"},
		blocks: map[string]*schema{"default_action": action},
	}
	rule := &schema{
		attrs: []string{"listener_arn", "priority"},
		blocks: map[string]*schema{
			"action": action,
			"condition": {
				attrs: []string{"field", "values"},
				blocks: map[string]*schema{
					"path_pattern": {attrs: []string{"values"}},
					"host_header":  {attrs: []string{"values"}},
				},
			},
		},
	}
	set := map[string]*schema{
		"aws_lb":                          lb,
		"aws_alb":                         lb,
		"aws_lb_target_group":             tg,
		"aws_alb_target_group":            tg,
		"aws_lb_listener":                 listener,
		"aws_alb_listener":                listener,
		"aws_lb_listener_rule":            rule,
		"aws_alb_listener_rule":           rule,
		"aws_lb_target_group_attachment":  {attrs: []string{"target_group_arn", "target_id", "port"}},
		"aws_alb_target_group_attachment": {attrs: []string{"target_group_arn", "target_id", "port"}},
		"aws_ecs_service": {
			attrs: []string{"name", "desired_count", "deployment_minimum_healthy_percent", "deployment_maximum_percent", "scheduling_strategy", "launch_type", "task_definition"},
			blocks: map[string]*schema{
				"load_balancer": {attrs: []string{"target_group_arn", "elb_name", "container_name", "container_port"}, blocks: map[string]*schema{
					"advanced_configuration": {attrs: []string{"alternate_target_group_arn"}},
				}},
				"deployment_controller":      {attrs: []string{"type"}},
				"deployment_configuration":   {attrs: []string{"strategy"}},
				"deployment_circuit_breaker": {attrs: []string{"enable", "rollback"}},
				"capacity_provider_strategy": {attrs: []string{"capacity_provider", "weight", "base"}},
				"service_registries":         {attrs: []string{"registry_arn"}},
				"service_connect_configuration": {attrs: []string{"enabled"}, blocks: map[string]*schema{
					"service": {attrs: []string{"port_name"}},
				}},
			},
		},
		// A CodeDeploy blue/green deployment group of an ECS service: the pair of target
		// groups it moves the service's tasks between.
		"aws_codedeploy_deployment_group": {
			blocks: map[string]*schema{
				"ecs_service": {attrs: []string{"service_name", "cluster_name"}},
				"load_balancer_info": {blocks: map[string]*schema{
					"target_group_pair_info": {blocks: map[string]*schema{
						"target_group": {attrs: []string{"name"}},
					}},
				}},
			},
		},
		"aws_ecs_task_definition": {attrs: []string{"family", "container_definitions", "network_mode"}},
		"aws_autoscaling_group": {
			attrs:  []string{"name", "min_size", "max_size", "desired_capacity", "target_group_arns", "load_balancers", "health_check_type", "health_check_grace_period"},
			blocks: map[string]*schema{"traffic_source": trafficSource, "tag": {attrs: []string{"key"}}},
		},
		"aws_autoscaling_policy":   {attrs: []string{"autoscaling_group_name"}},
		"aws_autoscaling_schedule": {attrs: []string{"autoscaling_group_name"}},
		"aws_ecs_capacity_provider": {
			blocks: map[string]*schema{"auto_scaling_group_provider": {attrs: []string{"auto_scaling_group_arn"}}},
		},
		"aws_autoscaling_traffic_source_attachment": {
			attrs:  []string{"autoscaling_group_name"},
			blocks: map[string]*schema{"traffic_source": trafficSource},
		},
		"aws_autoscaling_attachment": {attrs: []string{"autoscaling_group_name", "lb_target_group_arn", "alb_target_group_arn", "elb"}},
		"aws_appautoscaling_target":  {attrs: []string{"resource_id", "min_capacity", "max_capacity", "scalable_dimension", "service_namespace"}},
		"aws_elb": {
			attrs: []string{"name", "idle_timeout", "connection_draining", "connection_draining_timeout", "instances"},
			blocks: map[string]*schema{
				"health_check": {attrs: []string{"target", "interval", "timeout", "healthy_threshold", "unhealthy_threshold"}},
				"listener":     {attrs: []string{"instance_port", "instance_protocol", "lb_port", "lb_protocol"}},
			},
		},
		"aws_cloudfront_distribution": {
			attrs: []string{"enabled"},
			blocks: map[string]*schema{
				"origin": {
					attrs:  []string{"domain_name", "origin_id"},
					blocks: map[string]*schema{"custom_origin_config": {attrs: []string{"origin_read_timeout"}}},
				},
				"default_cache_behavior": {attrs: []string{"target_origin_id"}},
				"ordered_cache_behavior": {attrs: []string{"path_pattern", "target_origin_id"}},
			},
		},
		"cloudflare_record":     {attrs: []string{"name", "type", "value", "content", "proxied"}},
		"cloudflare_dns_record": {attrs: []string{"name", "type", "content", "proxied"}},
	}
	for typ, s := range set {
		c := *s
		c.attrs = append(append([]string(nil), s.attrs...), "count", "for_each")
		resourceSchemas[typ] = &c
	}
}
