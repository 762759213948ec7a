# The distiller shared by the linear-head distillation skeletons
# (demo_linear.py, r101_r18_linear_{coco,voc,nuswide}.py): recorders for the
# logits (`fc`), the multi-hot targets (`gt`, student only) and the backbone
# output (`feat`, a tuple); losses are left to the method configs (the
# *_distiller.py fragments next to this file).
linear_head_distiller = dict(
    type='ConfigurableDistiller',
    student_recorders=dict(
        fc=dict(type='ModuleOutputs', source='head.fc'),
        gt=dict(type='ModuleInputs', source='head.loss_module'),
        feat=dict(type='ModuleOutputs', source='backbone'),
    ),
    teacher_recorders=dict(
        fc=dict(type='ModuleOutputs', source='head.fc'),
        feat=dict(type='ModuleOutputs', source='backbone'),
    ),
    distill_losses=dict(),
    loss_forward_mappings=dict(),
)
# Teacher parameters are frozen; connectors unused by a method stay idle.
find_unused_parameters = True
